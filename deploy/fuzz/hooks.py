"""Schemathesis hooks for deploy/fuzz/run.sh (loaded through SCHEMATHESIS_HOOKS).

Random UUIDs in path parameters only ever reach "not found", so half of the generated path
parameters are replaced by ids that exist in the running demo county: its schools and
groups, and each group's meetings, postings, resources and facilities, read once through the
API with the same token the run uses. The bodies, queries and headers stay generated.

Also teaches schemathesis to send a `text/csv` body (the roster import) and an XLSX body (the
evaluation data import), which it cannot serialize by itself: the generated value's bytes (a
string as UTF-8), which the API must refuse as a clear 4xx when they are not a workbook.
"""

import os

import requests
import schemathesis
from hypothesis import strategies as st

BASE = os.environ["FUZZ_BASE_URL"]
HEADERS = {"Authorization": f"Bearer {os.environ['FUZZ_TOKEN']}"}
REGION = os.environ["FUZZ_REGION"]


def _ids(path):
    """The ids of the first page of a list, in the order the API gives them."""
    reply = requests.get(f"{BASE}/api/v1{path}", headers=HEADERS, timeout=10)
    reply.raise_for_status()
    return [item["id"] for item in reply.json()["items"]]


def _known_ids():
    known = {"school_id": _ids("/schools"), "group_id": _ids("/groups"), "region": [REGION]}
    for name, child in (
        ("meeting_id", "meetings"),
        ("posting_id", "postings"),
        ("resource_id", "resources"),
        ("facility_id", "facilities"),
    ):
        known[name] = [i for g in known["group_id"] for i in _ids(f"/groups/{g}/{child}")]
    return {name: ids for name, ids in known.items() if ids}


KNOWN = _known_ids()


def _some_known(parameters):
    if not parameters:
        return st.just(parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from(KNOWN[name]) | st.just(value) if name in KNOWN else st.just(value)
            for name, value in parameters.items()
        }
    )


@schemathesis.hook
def before_generate_path_parameters(context, strategy):
    return strategy.flatmap(_some_known)


@schemathesis.serializer("text/csv")
class CsvSerializer:
    def as_requests(self, context, value):
        return {"data": str(value).encode("utf-8")}

    def as_werkzeug(self, context, value):
        return {"data": str(value).encode("utf-8")}


@schemathesis.serializer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
class XlsxSerializer:
    @staticmethod
    def _bytes(value):
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    def as_requests(self, context, value):
        return {"data": self._bytes(value)}

    def as_werkzeug(self, context, value):
        return {"data": self._bytes(value)}
