"""The events a notification can follow and the parameters each one fills, named after the
CoMagic Data API fields and typed as they travel in a JSON template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ParamType = Literal["integer", "number", "string", "boolean", "datetime", "list"]
Source = Literal["data", "intake"]


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    title: str
    sample: object


def _p(name: str, type_: ParamType, title: str, sample: object) -> Param:
    return Param(name, type_, title, sample)


COMMON = (
    _p("notification_name", "string", "Название уведомления", "Потерянные звонки"),
    _p("event_type", "string", "Тип события", "lost_call"),
    _p("event_time", "datetime", "Время события", "2026-05-01 10:15:00"),
)
COMMUNICATION = (
    _p("communication_id", "integer", "ID обращения", 1234567),
    _p("communication_type", "string", "Тип обращения", "call"),
    _p("site_id", "integer", "ID сайта", 101),
    _p("site_domain_name", "string", "Сайт", "okna-moskva.ru"),
    _p("campaign_id", "integer", "ID рекламной кампании", 2001),
    _p("campaign_name", "string", "Рекламная кампания", "Яндекс.Директ — окна"),
    _p("visitor_id", "integer", "ID посетителя", 555001),
    _p("tag_names", "list", "Теги обращения", ["Целевой"]),
    _p("utm_source", "string", "utm_source", "yandex"),
    _p("utm_medium", "string", "utm_medium", "cpc"),
    _p("utm_campaign", "string", "utm_campaign", "okna"),
)
CALL = (
    _p("start_time", "datetime", "Время начала звонка", "2026-05-01 10:14:02"),
    _p("finish_time", "datetime", "Время окончания звонка", "2026-05-01 10:15:00"),
    _p("direction", "string", "Направление (in/out)", "in"),
    _p("contact_phone_number", "string", "Номер абонента", "79161234567"),
    _p("virtual_phone_number", "string", "Виртуальный номер", "74951234567"),
    _p("talk_duration", "integer", "Длительность разговора, с", 48),
    _p("total_duration", "integer", "Общая длительность, с", 58),
    _p("is_lost", "boolean", "Потерянный", False),
    _p("employee_id", "integer", "ID сотрудника", 17),
    _p("employee_full_name", "string", "Сотрудник", "Анна Петрова"),
    _p("employee_group_names", "list", "Группы сотрудника", ["Продажи"]),
)
FILE = (_p("file_link", "string", "Ссылка на запись", "https://callscope.example/r/..."),)
CHAT = (
    _p("date_time", "datetime", "Время начала чата", "2026-05-01 10:14:02"),
    _p("duration", "integer", "Длительность, с", 240),
    _p("employee_id", "integer", "ID сотрудника", 17),
    _p("employee_full_name", "string", "Сотрудник", "Анна Петрова"),
    _p("text", "string", "Первое сообщение посетителя", "Здравствуйте, сколько стоит?"),
)
LEAD = (
    _p("date_time", "datetime", "Время заявки", "2026-05-01 10:14:02"),
    _p("contact_phone_number", "string", "Телефон посетителя", "79161234567"),
    _p("text", "string", "Текст заявки", "Перезвоните, пожалуйста"),
)
GOAL = (
    _p("date_time", "datetime", "Время события", "2026-05-01 10:14:02"),
    _p("goal_name", "string", "Цель", "Заявка на замер"),
)
TAG = (
    _p("tag_name", "string", "Тег", "Целевой"),
    _p("tag_source", "string", "Кто поставил (autotag/smarttag/system/manual)", "autotag"),
)
SMARTTAG = (
    _p("tag_name", "string", "Тег", "Ипотека"),
    _p("probability", "number", "Уверенность модели", 0.91),
)
TRANSCRIPT = (_p("transcript_text", "string", "Текст разговора", "Клиент: Здравствуйте…"),)
SPAM = (
    _p("contact_phone_number", "string", "Номер абонента", "79161234567"),
    _p("spam_score", "number", "Оценка спама", 0.97),
    _p("spam_reasons", "list", "Причины", ["много коротких звонков"]),
)
# telephony events the platform posts to the intake route (see docs/notifications.md)
TELEPHONY = (
    _p("call_session_id", "integer", "ID звонка", 987654),
    _p("start_time", "datetime", "Время события", "2026-05-01 10:14:02"),
    _p("direction", "string", "Направление (in/out)", "in"),
    _p("contact_phone_number", "string", "Номер абонента", "79161234567"),
    _p("virtual_phone_number", "string", "Виртуальный номер", "74951234567"),
    _p("site_id", "integer", "ID сайта", 101),
    _p("campaign_id", "integer", "ID рекламной кампании", 2001),
    _p("employee_id", "integer", "ID сотрудника", 17),
    _p("employee_full_name", "string", "Сотрудник", "Анна Петрова"),
)
LEG = (
    _p("leg_id", "integer", "ID плеча", 3),
    _p("leg_phone_number", "string", "Номер плеча", "79031234567"),
)
FAX = (_p("file_link", "string", "Ссылка на файл факса", "https://platform.example/fax/..."),)


@dataclass(frozen=True)
class Event:
    name: str
    title: str
    source: Source
    params: tuple[Param, ...]
    requires: tuple[str, ...] = ()  # parameters a rule's templates must use


def _e(name, title, source, *groups, requires=()) -> Event:
    seen: dict[str, Param] = {}
    for group in (COMMON, *groups):
        for param in group:
            seen.setdefault(param.name, param)
    return Event(name, title, source, tuple(seen.values()), requires)


EVENTS: dict[str, Event] = {
    e.name: e
    for e in (
        _e("lost_call", "Потерянный звонок", "data", COMMUNICATION, CALL),
        _e("incoming_call", "Входящий звонок на виртуальный номер", "data", COMMUNICATION, CALL),
        _e("call_finished", "Завершение звонка", "data", COMMUNICATION, CALL),
        _e("outgoing_call", "Исходящий звонок", "data", COMMUNICATION, CALL),
        _e("voice_message", "Голосовое сообщение", "data", COMMUNICATION, CALL, FILE),
        _e(
            "recorded_call",
            "Записанный разговор",
            "data",
            COMMUNICATION,
            CALL,
            FILE,
            requires=("file_link",),
        ),
        _e("tag_set", "Проставление тега", "data", COMMUNICATION, CALL, TAG),
        _e("offline_message", "Оффлайн заявка", "data", COMMUNICATION, LEAD),
        _e("missed_chat", "Пропущенный чат", "data", COMMUNICATION, CHAT),
        _e("chat_finished", "Завершение чата", "data", COMMUNICATION, CHAT),
        _e("goal", "Событие (цель)", "data", COMMUNICATION, GOAL),
        _e(
            "transcript_ready",
            "Расшифровка разговора готова",
            "data",
            COMMUNICATION,
            CALL,
            TRANSCRIPT,
        ),
        _e("smarttag_tag_set", "Тег SmartTag", "data", COMMUNICATION, CALL, SMARTTAG),
        _e("number_flagged_spam", "Номер отмечен как спам", "data", SPAM),
        _e("talk_started", "Начало разговора", "intake", TELEPHONY),
        _e("talk_finished", "Окончание разговора", "intake", TELEPHONY),
        _e("fax_received", "Принятый факс", "intake", TELEPHONY, FAX),
        _e("waiting_for_answer", "Ожидание ответа", "intake", TELEPHONY),
        _e("answered", "Поднятие трубки", "intake", TELEPHONY),
        _e("incoming_leg", "Входящее плечо", "intake", TELEPHONY, LEG),
        _e("outgoing_leg", "Исходящее плечо", "intake", TELEPHONY, LEG),
        _e("call_on_hold", "Удержание вызова", "intake", TELEPHONY),
        _e(
            "recording_control",
            "Управление записью разговора",
            "intake",
            TELEPHONY,
            (_p("recording_action", "string", "Действие (start/stop/pause)", "start"),),
        ),
    )
}
INTAKE_EVENTS = tuple(name for name, e in EVENTS.items() if e.source == "intake")


def event(name: str) -> Event:
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(f"unknown event {name!r}; known: {', '.join(EVENTS)}") from None


def sample(name: str) -> dict[str, object]:
    """Test data for a preview or a test send: every parameter with its sample value."""
    return {p.name: p.sample for p in event(name).params} | {"event_type": name}
