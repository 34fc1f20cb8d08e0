"""Follow-up on the web: performed against ordered time with the ±10 % band, drawn as SVG on
the server (no script needed) with the same figures in a table beside each chart; the unit's
overview and a CSV export. The figures are ``backend.domain.followup``'s, nothing computed
twice: this module only places them on a chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.domain import followup as fu
from backend.errors import InvalidInput
from backend.routes.deps import Now, SessionDep
from backend.services import followup
from backend.web.auth import User
from backend.web.common import page
from backend.web.i18n import N_, Words
from contract import TZ, DeviationReason, ErrorCode

router = APIRouter(prefix="/web")

BAND = fu.FLAG_PERCENT / 100  # the ±10 % band around the ordered time
REASONS = {
    DeviationReason.CLIENT_DECLINED: N_("the client declined"),
    DeviationReason.HOSPITAL_STAY: N_("hospital stay"),
    DeviationReason.CANCELLED_BY_PROVIDER: N_("cancelled by the unit"),
    DeviationReason.TRAVEL: N_("travel"),
    DeviationReason.OTHER: N_("other reason"),
}


def _month(text: str | None, today: date) -> date:
    if not text:
        return fu.month_start(today)
    try:
        return fu.parse_month(text)
    except ValueError:
        raise InvalidInput(ErrorCode.INVALID_MONTH, month=text) from None


# --- the charts' geometry (pixels in the SVG's own coordinates) ----------------------------


@dataclass(frozen=True)
class MonthBar:
    point: fu.MonthPoint
    x: float  # left edge of the month's slot
    width: float
    band_top: float  # y of ordered +10 %
    band_bottom: float  # y of ordered -10 %
    ordered_y: float
    bar_top: float  # y of performed
    outside: bool
    low: int  # ordered -10 %, in minutes
    high: int  # ordered +10 %


@dataclass(frozen=True)
class MonthChart:
    width: int
    height: int
    left: int
    base: float  # y of zero
    ticks: list[tuple[float, int]]  # (y, minutes)
    bars: list[MonthBar]


def month_chart(history: tuple[fu.MonthPoint, ...]) -> MonthChart:
    """A client's months: performed as bars, ordered as a line inside the ±10 % band."""
    width, height, left, right, top, bottom = 760, 280, 64, 12, 16, 44
    top_value = max(
        [60, *(p.ordered_minutes * (1 + BAND) for p in history)]
        + [p.performed_minutes for p in history]
    )
    step = 600 if top_value <= 6000 else 1200  # a line every 10 (or 20) hours
    scale_max = (int(top_value) // step + 1) * step
    plot = height - top - bottom

    def y(minutes: float) -> float:
        return round(top + plot * (1 - minutes / scale_max), 1)

    slot = (width - left - right) / max(1, len(history))
    bars = [
        MonthBar(
            point=p,
            x=round(left + i * slot, 1),
            width=round(slot, 1),
            band_top=y(p.ordered_minutes * (1 + BAND)),
            band_bottom=y(p.ordered_minutes * (1 - BAND)),
            ordered_y=y(p.ordered_minutes),
            bar_top=y(p.performed_minutes),
            outside=p.flagged,
            low=round(p.ordered_minutes * (1 - BAND)),
            high=round(p.ordered_minutes * (1 + BAND)),
        )
        for i, p in enumerate(history)
    ]
    ticks = [(y(v), v) for v in range(0, scale_max + 1, step)]
    return MonthChart(width, height, left, y(0), ticks, bars)


@dataclass(frozen=True)
class ClientBar:
    row: fu.ClientMonth
    y: float
    x: float  # left edge of the bar
    length: float


@dataclass(frozen=True)
class UnitChart:
    width: int
    height: int
    zero: float  # x of 0 %
    band_left: float
    band_right: float
    row_height: int
    ticks: list[tuple[float, int]]  # (x, percent)
    bars: list[ClientBar]


def unit_chart(rows: tuple[fu.ClientMonth, ...]) -> UnitChart:
    """Each client's deviation from the ordered time, in per cent, against the ±10 % band."""
    width, label, right, row_height, top = 760, 160, 16, 32, 28
    reach = max([20.0, *(abs(r.deviation_percent or 0) for r in rows)])
    reach = float((int(reach) // 10 + 1) * 10)
    span = width - label - right

    def x(percent: float) -> float:
        return round(label + span * (percent + reach) / (2 * reach), 1)

    bars = []
    for index, row in enumerate(r for r in rows if r.deviation_percent is not None):
        percent = row.deviation_percent or 0.0
        start, end = sorted((x(0), x(percent)))
        bars.append(ClientBar(row, top + index * row_height, start, max(1.0, end - start)))
    ticks = [(x(p), p) for p in range(-int(reach), int(reach) + 1, 10)]
    height = top + max(1, len(bars)) * row_height + 8
    return UnitChart(
        width, height, x(0), x(-fu.FLAG_PERCENT), x(fu.FLAG_PERCENT), row_height, ticks, bars
    )


def reason_words(words: Words) -> dict[str, str]:
    return {code.value: words.gettext(text) for code, text in REASONS.items()}


def month_links(month: date) -> dict[str, str]:
    return {
        "previous": fu.add_months(month, -1).strftime("%Y-%m"),
        "next": fu.add_months(month, 1).strftime("%Y-%m"),
        "this": month.strftime("%Y-%m"),
    }


# --- pages -------------------------------------------------------------------------------


@router.get("/followup")
async def unit_followup(
    request: Request, user: User, session: SessionDep, now: Now, month: str | None = None
) -> Response:
    """The unit's overview (a contact person's own clients): who is outside the band, plans
    not signed in time, frames due for follow-up, repeated declines; the chart and its table."""
    today = now.astimezone(TZ).date()
    report = await followup.responsible_report(
        session, actor=user.actor, month=_month(month, today), today=today
    )
    names = {row.client_id: row.first_name for row in report.clients}
    services: dict[str, int] = {}
    reasons = dict.fromkeys(fu.DEVIATION_REASONS, 0)
    for row in report.clients:  # the unit's totals: the rows' own figures, added up
        for part in row.per_service:
            services[part.service] = services.get(part.service, 0) + part.minutes
        for code, count in row.deviation_reasons.items():
            reasons[code] = reasons.get(code, 0) + count
    return page(
        request,
        user,
        "followup.html",
        report=report,
        names=names,
        services=sorted(services.items()),
        reasons=reasons,
        reason_words=reason_words(user.words),
        chart=unit_chart(report.clients),
        outside=[row for row in report.clients if row.flagged],
        links=month_links(report.month),
    )


@router.get("/followup.csv")
async def unit_followup_csv(
    user: User, session: SessionDep, now: Now, month: str | None = None
) -> Response:
    today = now.astimezone(TZ).date()
    report = await followup.responsible_report(
        session, actor=user.actor, month=_month(month, today), today=today
    )
    filename = f"uppfoljning-{report.month.strftime('%Y-%m')}.csv"
    return Response(
        content=followup.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/clients/{client_id}/followup")
async def client_followup(
    request: Request,
    client_id: int,
    user: User,
    session: SessionDep,
    now: Now,
    month: str | None = None,
) -> Response:
    """One client's last 12 months against the band, per service and deviation reasons."""
    today = now.astimezone(TZ).date()
    report = await followup.responsible_report(
        session, actor=user.actor, month=_month(month, today), today=today, client_id=client_id
    )
    (row,) = report.clients
    return page(
        request,
        user,
        "client_followup.html",
        report=report,
        row=row,
        chart=month_chart(row.history),
        percents=[
            fu.deviation_percent(p.ordered_minutes, p.performed_minutes) for p in row.history
        ],
        reason_words=reason_words(user.words),
        links=month_links(report.month),
    )
