"""gunicorn settings for the benchmark's "log off" server (bench/suite.py), never for production.

After a worker has loaded the application, reads stop being written to the processing log and
the audit trail (changes still are), so the suite can time the same page with logging on and
off in the same run. The product itself has no such switch.
"""

from typing import Any


def post_worker_init(worker: Any) -> None:
    from casusregie.privacy import log

    real_record = log.record

    def record(**kwargs: Any) -> str:
        if kwargs.get("operation") == "read" and not kwargs.get("recipients"):
            return ""
        return real_record(**kwargs)

    def record_list(**kwargs: Any) -> None:
        return None

    log.record = record  # type: ignore[assignment]
    log.record_list = record_list  # type: ignore[assignment]
