"""A realistic, deterministic synthetic ledger, for trying certledger and for benchmarks.

Every fact goes through the use cases, so every rule is checked. Commands are stamped a
few days after their business date (some much later: late recordings) and run in the
order of their stamps, in batches of one transaction each, each recorded at its stamp
through the ledger's clock: the ledger grows over the years as a real one did, and every
`--known-at` in the past shows it as it stood then. A new store is created with its
referential recorded before the first enrolment (`REFERENTIAL_RECORDED`).

The same plan can be written as an import file instead (`write_csv`): the importer's
columns, in the order of the stamps. The plan is sorted on disk in runs (`_Runs`): memory
stays bounded and time linear in the candidates.
"""

from __future__ import annotations

import csv
import heapq
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

import orjson

from ledger.application import Ledger
from ledger.clock import PARIS, FixedClock
from ledger.exceptions import AlreadyExists
from ledger.i18n import _
from ledger.importer import COLUMNS, Row, chunks, command
from ledger.publication import REFERENTIAL_STREAM
from ledger.referential import Referential

ROUTES = (
    ("formation_initiale", 30),
    ("apprentissage", 10),
    ("formation_continue", 18),
    ("contrat_professionnalisation", 10),
    ("candidature_individuelle", 7),
    ("vae", 25),
)
JURY = (
    ("Ana Roy", "realisateur", "F"),
    ("Paul Blanc", "producteur", "M"),
    ("Léa Noir", "monteur_truquiste", "F"),
    ("Inès Vert", "responsable_pedagogique", "F"),
    ("Hugo Bleu", "directeur_ecole", "M"),
    ("Tom Gris", "technicien", "M"),
)
"""The jury, with genders: a VAE jury of these six is balanced (two employers and two
employees among the professionals, three women and three men)."""
SURVEY_OUTCOMES = (
    ("target_job", 55),
    ("other_job", 15),
    ("seeking", 10),
    ("study", 5),
    ("no_answer", 15),
)
SURVEYED_AFTER = {"6m": 183, "24m": 730}
"""Days after the title when each insertion survey is made."""
PRESIDENT = "Hugo Bleu"
BIRTH_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
)
FIRST_NAMES = {
    "F": ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Emma", "Jade", "Louise", "Zoé"),
    "M": ("Lucas", "Hugo", "Louis", "Nathan", "Théo", "Arthur", "Jules", "Tom", "Paul", "Noé"),
}
COMMUNES = ("75112", "69123", "13055", "31555", "33063", "44109", "59350", "67482", "35238")
LAST_AWARD_DAY = date(2019, 10, 4)
FIRST_DAY = date(2006, 9, 1)
REFERENTIAL_RECORDED = datetime(2006, 8, 21, 9, 30, tzinfo=PARIS)
"""When a store the demo creates records its referential: before the first enrolment (the
fiche's first registration began on 2006-03-05)."""
CSV_COLUMNS = tuple(
    c
    for c in COLUMNS
    if c not in ("vae_path", "usage_name", "birth_postcode", "birth_country", "name", "relation")
    and c not in ("derogation", "number", "request_id")
)
"""The importer's columns the demo fills (docs/import.md), in the importer's order."""


@dataclass(order=True)
class Step:
    """One command of the plan, as an import row, run when the clock reads `stamp`."""

    stamp: datetime
    seq: int
    row: dict[str, str] = field(compare=False)


@dataclass
class Summary:
    candidates: int = 0
    commands: int = 0
    decisions: int = 0
    titles: int = 0
    annulments: int = 0
    surveys: int = 0
    late: int = 0
    sessions: set[str] = field(default_factory=set)


class Writable(Protocol):
    def write(self, text: Any, /) -> Any: ...


class _Runs:
    """Steps sorted on disk: sorted runs of at most `size` steps in a temporary file each,
    merged back in order. Memory holds one run."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.buffer: list[Step] = []
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.files: list[Path] = []

    def add(self, step: Step) -> None:
        self.buffer.append(step)
        if len(self.buffer) >= self.size:
            self._spill()

    def _spill(self) -> None:
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="certledger-demo-")
        path = Path(self.folder.name) / f"run{len(self.files)}.jsonl"
        with path.open("wb") as out:
            for step in sorted(self.buffer):
                out.write(orjson.dumps([step.stamp.timestamp(), step.seq, step.row]) + b"\n")
        self.files.append(path)
        self.buffer = []

    @staticmethod
    def _read(path: Path) -> Iterator[Step]:
        with path.open("rb") as lines:
            for line in lines:
                stamp, seq, row = orjson.loads(line)
                yield Step(datetime.fromtimestamp(stamp, UTC), seq, row)

    def __iter__(self) -> Iterator[Step]:
        try:
            if not self.files:
                yield from sorted(self.buffer)
                return
            if self.buffer:
                self._spill()
            yield from heapq.merge(*(self._read(p) for p in self.files))
        finally:
            self.close()

    def close(self) -> None:
        self.buffer = []
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


class Planner:
    """Plans the commands of `n` candidates from a seed; `steps()` gives them in stamp order."""

    def __init__(self, ref: Referential, n: int, seed: int, now: datetime) -> None:
        self.ref = ref
        self.n = n
        self.rng = random.Random(seed)
        self.now = now
        self.plan = _Runs()
        self.count = 0
        self.summary = Summary(candidates=n)
        self.sessions: dict[str, date] = {}

    def at(self, day: date, delay_days: int, kind: str, **cells: object) -> None:
        stamp = datetime.combine(day, time(10), tzinfo=PARIS) + timedelta(
            days=delay_days, minutes=self.rng.randrange(0, 480)
        )
        stamp = min(stamp.astimezone(UTC), self.now - timedelta(minutes=5))
        row = {"kind": kind, **{k: _cell(v) for k, v in cells.items() if v is not None}}
        self.plan.add(Step(stamp, self.count, row))
        self.count += 1

    def session_after(self, day: date) -> tuple[str, date]:
        """The monthly jury session (the 20th) at least ten days after `day`."""
        target = day + timedelta(days=10)
        sits = target.replace(day=20)
        if sits < target:
            sits = (sits.replace(day=1) + timedelta(days=32)).replace(day=20)
        session = f"J{sits:%Y-%m}"
        self.sessions[session] = sits
        return session, sits

    def identity(self, enrolled: date) -> dict[str, object]:
        """A holder aged 18 to 45 on enrolment (older than any referential's minimum age)."""
        sex = self.rng.choice("MF")
        born = date(
            enrolled.year - self.rng.randrange(18, 46),
            self.rng.randrange(1, 13),
            self.rng.randrange(1, 29),
        )
        return {
            "birth_name": self.rng.choice(BIRTH_NAMES),
            "first_names": self.rng.choice(FIRST_NAMES[sex]),
            "birth_date": born,
            "sex": sex,
            "birth_insee": self.rng.choice(COMMUNES),
        }

    def candidates(self) -> None:
        for i in range(1, self.n + 1):
            cid = f"D{i:06d}"
            span = (date(2018, 6, 30) - FIRST_DAY).days
            enrolled = FIRST_DAY + timedelta(days=self.rng.randrange(span))
            # Only the routes the referential opens that day (rule 12).
            routes = [(r, w) for r, w in ROUTES if self.opens(r, enrolled)]
            route = self.rng.choices([r for r, _ in routes], [w for _, w in routes])[0]
            identity = self.identity(enrolled)
            self.at(
                enrolled,
                self.rng.randrange(0, 5),
                "enrolment",
                candidate=cid,
                date=enrolled,
                route=route,
                **identity,
            )
            if route == "vae":
                self.vae(cid, enrolled)
            else:
                self.course(cid, route, enrolled)

    def opens(self, route: str, day: date) -> bool:
        rules = self.ref.route(route)
        return rules is not None and rules.open_on(day)

    def course(self, cid: str, route: str, enrolled: date) -> None:
        profile = self.rng.choices(["title", "blocks", "fail", "withdraw"], [55, 25, 10, 10])[0]
        exams = enrolled + timedelta(days=self.rng.randrange(200, 330))
        if profile == "withdraw":
            self.at(exams, 1, "withdrawal", candidate=cid, date=exams, reason="left the programme")
            return
        blocks = list(self.ref.blocks)
        chosen = blocks if profile == "title" else self.rng.sample(blocks, self.rng.randrange(1, 3))
        passed: list[str] = []
        for block in chosen:
            for epreuve in block.epreuves:
                codes = list(epreuve.competencies)
                failed = [c for c in codes if profile == "fail" or self.rng.random() < 0.04]
                ok = [c for c in codes if c not in failed]
                self.at(
                    exams,
                    self.rng.randrange(1, 6),
                    "assessment",
                    candidate=cid,
                    date=exams,
                    epreuve=epreuve.code,
                    passed=ok,
                    failed=failed,
                    assessor="Jury ESEC",
                )
                passed += ok
        session, sits = self.session_after(exams)
        validated = sorted(set(passed)) if profile != "fail" else []
        self.decide(cid, route, session, sits, validated, profile == "title")

    def vae(self, cid: str, enrolled: date) -> None:
        admitted = enrolled + timedelta(days=self.rng.randrange(15, 45))
        livret2 = admitted + timedelta(days=self.rng.randrange(60, 120))
        interview = livret2 + timedelta(days=self.rng.randrange(20, 45))
        self.at(admitted, 2, "vae_admission", candidate=cid, date=admitted)
        self.at(
            interview, 2, "vae_interview", candidate=cid, date=interview, livret2_received=livret2
        )
        codes = [c.code for c in self.ref.competencies]
        full = self.rng.random() < 0.4
        validated = sorted(self.rng.sample(codes, 38 if full else self.rng.randrange(8, 30)))
        session, sits = self.session_after(interview)
        self.decide(cid, "vae", session, sits, validated, full)

    def decide(
        self, cid: str, route: str, session: str, sits: date, validated: list[str], title: bool
    ) -> None:
        awardable = sits <= LAST_AWARD_DAY
        codes = set(validated)
        blocks = [
            b.code
            for b in self.ref.blocks
            if awardable and len(codes & set(b.competencies)) >= b.required
        ]
        title = title and awardable and len(codes) >= self.ref.title.required
        late = self.rng.random() < 0.03
        delay = self.rng.randrange(60, 400) if late else self.rng.randrange(0, 3)
        self.summary.late += late
        self.summary.decisions += 1
        self.summary.titles += title
        self.at(
            sits,
            delay,
            "decision",
            candidate=cid,
            session=session,
            validated=validated,
            blocks=blocks,
            title=title,
        )
        issued = sits + timedelta(days=7 + delay)
        kinds = (["title"] if title else []) + [f"block:{block}" for block in blocks]
        rules = self.ref.route(route)
        if not title and rules is not None and rules.competency_certificates:
            kinds += [f"competency:{code}" for code in validated]
        for kind in kinds:
            self.at(
                issued,
                0,
                "certificate",
                candidate=cid,
                session=session,
                date=issued,
                certificate=kind,
            )
        if not title:
            return
        if self.rng.random() < 0.01:
            annulled = issued + timedelta(days=self.rng.randrange(60, 200))
            self.summary.annulments += 1
            self.at(
                annulled,
                1,
                "annulment",
                candidate=cid,
                session=session,
                date=annulled,
                reason="appeal upheld",
            )
            return
        self.surveys(cid, sits, sits + timedelta(days=delay))

    def surveys(self, cid: str, titled: date, recorded: date) -> None:
        """The insertion surveys of a holder, those whose day has come, each recorded after
        the title was (a decision may be recorded late)."""
        outcomes = [o for o, _ in SURVEY_OUTCOMES]
        weights = [w for _, w in SURVEY_OUTCOMES]
        for kind, days in SURVEYED_AFTER.items():
            on = titled + timedelta(days=days + self.rng.randrange(0, 30))
            if on >= self.now.date() - timedelta(days=2):
                continue
            outcome = self.rng.choices(outcomes, weights)[0]
            rome = "L1302" if outcome == "target_job" else None
            self.summary.surveys += 1
            self.at(
                on,
                max(0, (recorded - on).days) + self.rng.randrange(1, 10),
                "survey",
                candidate=cid,
                date=on,
                survey=kind,
                outcome=outcome,
                rome=rome,
            )

    def steps(self) -> Iterator[Step]:
        for session, sits in self.sessions.items():
            self.at(
                sits - timedelta(days=20),
                0,
                "jury",
                session=session,
                date=sits,
                members="|".join(f"{n}:{r}:{g}" for n, r, g in JURY),
                president=PRESIDENT,
            )
        self.summary.sessions = set(self.sessions)
        self.summary.commands = self.count
        return iter(self.plan)


def _cell(value: object) -> str:
    """A value as an import cell: dates ISO, lists space-separated, flags yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def plan(
    ref: Referential, candidates: int, seed: int, now: datetime
) -> tuple[Iterator[Step], Summary]:
    """The demo's commands as import rows, in the order of their stamps (read lazily from
    disk), and their summary."""
    planner = Planner(ref, candidates, seed, now)
    planner.candidates()
    return planner.steps(), planner.summary


def recorded_since(ledger: Ledger) -> datetime:
    """When the ledger last recorded a referential: the demo records nothing before it."""
    stream = ledger.uow.load(REFERENTIAL_STREAM)
    if stream is None:
        return REFERENTIAL_RECORDED.astimezone(UTC)
    return stream.modified_on.astimezone(UTC)


def generate(
    ledger: Ledger,
    candidates: int,
    seed: int = 1,
    *,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Fill an initialised ledger that holds no candidate yet with a synthetic population,
    each command recorded at its stamp (none before the ledger's referential was)."""
    if ledger.candidate_ids():
        raise AlreadyExists(
            _(
                "the ledger at {store} already holds candidates: demo needs a ledger with none"
            ).format(store=ledger.store)
        )
    real_clock = ledger.clock
    steps, summary = plan(
        ledger.versions().at(date(2016, 9, 7)).referential, candidates, seed, real_clock.now()
    )
    clock = FixedClock(recorded_since(ledger))
    ledger.clock = ledger.uow.clock = clock
    try:
        for group in chunks(steps, batch):
            with ledger.batch():
                for step in group:
                    if step.stamp > clock.current:
                        clock.set(step.stamp)
                    command(ledger, Row(step.seq, step.row), "demo", idempotent=False)()
            if progress is not None:
                progress(len(group))
    finally:
        ledger.clock = ledger.uow.clock = real_clock
    return summary


def write_csv(
    out: Writable,
    ref: Referential,
    candidates: int,
    seed: int = 1,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write the demo's population as an import file (docs/import.md): `;`-separated, one
    row per command in the order `generate` runs them. Importing it records the same facts
    (each at the time of the import)."""
    steps, summary = plan(ref, candidates, seed, now)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in chunks(steps, 5000):
        writer.writerows([[step.row.get(c, "") for c in CSV_COLUMNS] for step in group])
        if progress is not None:
            progress(len(group))
    return summary
