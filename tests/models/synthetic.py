"""Small synthetic call corpora whose tags depend on lemmas, on who spoke and on intonation."""

from __future__ import annotations

import random

from models.datasets import Example
from models.text import Document

TINY = {
    "hidden_size": 32,
    "num_layers": 1,
    "num_heads": 2,
    "vocab_size": 400,
    "wide_features": 2**12,
    "max_length": 64,
    "batch_size": 16,
    "epochs": 10,
    "patience": 4,
    "n_threads": 1,
}

FILLER = [
    "здравствуйте компания слушаю вас",
    "добрый день чем могу помочь",
    "подскажите пожалуйста по срокам",
    "да конечно сейчас посмотрю",
    "спасибо за звонок всего доброго",
    "уточните пожалуйста ваш номер",
]
MORTGAGE = ["хочу взять ипотеку", "интересует ипотека", "условия по ипотеке", "платить ипотекой"]
MORTGAGE_TEST = ["что с ипотеками", "про ипотеку расскажите", "ипотеке нашей"]
DELIVERY = ["нужна доставка", "привезите доставкой", "сроки доставки", "оформить доставку"]
DELIVERY_TEST = ["доставку заказать", "по доставкам вопрос"]
COMPLAINT = "я очень недоволен вашей работой"


def _turns(
    rng: random.Random, topics: list[str], complaint_by: str | None
) -> list[tuple[str, str]]:
    turns = [("employee", rng.choice(FILLER)), ("client", rng.choice(FILLER))]
    for phrase in topics:
        turns.append(("client", f"{rng.choice(FILLER)} {phrase}"))
        turns.append(("employee", rng.choice(FILLER)))
    if complaint_by:
        turns.insert(rng.randrange(1, len(turns)), (complaint_by, COMPLAINT))
    return turns


def calls(n: int, seed: int = 0, held_out_forms: bool = False) -> list[Example]:
    """Tags: «Ипотека», «Доставка» (any form), «Жалоба» only when the client complains."""
    rng = random.Random(seed)
    mortgage = MORTGAGE_TEST if held_out_forms else MORTGAGE
    delivery = DELIVERY_TEST if held_out_forms else DELIVERY
    out = []
    for i in range(n):
        tags, topics = [], []
        if rng.random() < 0.4:
            tags.append("Ипотека")
            topics.append(rng.choice(mortgage))
        if rng.random() < 0.4:
            tags.append("Доставка")
            topics.append(rng.choice(delivery))
        complaint_by = rng.choice([None, None, "client", "employee"])
        if complaint_by == "client":
            tags.append("Жалоба")
        document = Document(turns=tuple(_turns(rng, topics, complaint_by)))
        out.append(Example(f"call:{seed}-{i}", document, tuple(tags)))
    return out


def intonation_calls(n: int, seed: int = 0) -> list[Example]:
    """Identical words; «Конфликт» is set exactly when the client's pitch is raised."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        raised = rng.random() < 0.5
        pitch = rng.gauss(260.0 if raised else 150.0, 12.0)
        document = Document(
            turns=(
                ("client", "добрый день хочу узнать про заказ"),
                ("employee", rng.choice(FILLER)),
            ),
            prosody={"client.pitch_mean": pitch, "client.energy": rng.gauss(0.5, 0.05)},
        )
        out.append(
            Example(f"call:p{seed}-{i}", document, ("Конфликт",) if raised else ("Спокойно",))
        )
    return out
