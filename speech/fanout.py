"""Fanning recordings out: inline, over a local process pool, or over a Dask cluster.

The recognizer travels as pickled bytes and is rebuilt once per worker process (the Vosk model
itself is cached per process by path), so no model is loaded per recording. Results come back
in job order, whichever way they were computed.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from speech.recognizer import Recognizer
from speech.transcribe import TranscriptionJob, transcribe_call

_worker_recognizers: dict[bytes, Recognizer] = {}


def _recognizer_for(spec: bytes) -> Recognizer:
    if spec not in _worker_recognizers:
        _worker_recognizers[spec] = pickle.loads(spec)
    return _worker_recognizers[spec]


def _init_worker(spec: bytes) -> None:
    recognizer = _recognizer_for(spec)
    warm = getattr(recognizer, "warm_up", None)
    if callable(warm):
        warm()


def run_job(job: TranscriptionJob, spec: bytes) -> dict[str, Any]:
    """One recording on whichever worker runs it."""
    return transcribe_call(job, _recognizer_for(spec))


def run_jobs(
    jobs: Sequence[TranscriptionJob],
    recognizer: Recognizer,
    workers: int = 1,
    scheduler: str | None = None,
) -> list[dict[str, Any]]:
    """Transcribes every job; a Dask scheduler address wins over the local pool."""
    if not jobs:
        return []
    check = getattr(recognizer, "check", None)
    if callable(check):
        check()  # a missing model fails here, once, not in every worker
    spec = pickle.dumps(recognizer)
    if scheduler:
        return _run_dask(jobs, spec, scheduler)
    if workers <= 1 or len(jobs) == 1:
        return [transcribe_call(job, recognizer) for job in jobs]
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), initializer=_init_worker, initargs=(spec,)
    ) as pool:
        return list(pool.map(run_job, jobs, [spec] * len(jobs)))


def _run_dask(
    jobs: Sequence[TranscriptionJob], spec: bytes, scheduler: str
) -> list[dict[str, Any]]:
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        spec_future = client.scatter(spec, broadcast=True)
        futures = client.map(run_job, list(jobs), spec=spec_future, pure=False)
        return client.gather(futures)
