"""Reads hotspot's OGC API - Features with owslib, as a Python GIS user would.

usage: python ogc_owslib.py BASE_URL TOKEN EXPECTED_JSON
BASE_URL is http://host:port/ogc; EXPECTED_JSON maps collection id -> feature count.
Also validates the OpenAPI 3.0 document (service-desc) with openapi-spec-validator.
Exits non-zero with a message on the first failure; prints one line per check.
"""
import json
import sys

from openapi_spec_validator import validate
from owslib.ogcapi.features import Features


def main() -> None:
    base, token, expected = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    headers = {"Authorization": f"Bearer {token}"}
    # owslib adds the trailing slash: /ogc/ must be the landing page.
    w = Features(base, headers=headers)
    assert any(l["rel"] == "data" for l in w.links), w.links
    classes = w.conformance()["conformsTo"]
    assert any(c.endswith("/conf/oas30") for c in classes), classes
    api = w.api()
    assert api["openapi"].startswith("3.0"), api["openapi"]
    validate(api)
    print("ok landing, conformance, OpenAPI 3.0 document valid")

    cols = w.collections()["collections"]
    ids = sorted(c["id"] for c in cols)
    assert ids == sorted(expected), (ids, sorted(expected))
    for c in cols:
        cid = c["id"]
        bbox = c["extent"]["spatial"]["bbox"][0]
        assert bbox[0] <= bbox[2] and bbox[1] <= bbox[3], (cid, bbox)
        q = w.collection_queryables(cid)
        assert "geometry" in q["properties"], (cid, q)
        # Page through everything with owslib's own paging parameters.
        seen, offset = 0, 0
        while True:
            page = w.collection_items(cid, limit=500, offset=offset)
            n = page["numberReturned"]
            seen += n
            offset += n
            if n == 0 or offset >= page["numberMatched"]:
                break
        assert seen == expected[cid], (cid, seen, expected[cid])
        print(f"ok {cid}: {seen} features, extent {bbox}")

    sale = w.collection_items("reports", filter="kind = 'sale'", limit=1000)
    assert sale["numberMatched"] > 0
    assert all(f["properties"]["kind"] == "sale" for f in sale["features"])
    sorted_ = w.collection_items("reports", sortby=("observed_at", "desc"), limit=3)
    times = [f["properties"]["observed_at"] for f in sorted_["features"]]
    assert times == sorted(times, reverse=True) and all(t.endswith("+07:00") for t in times), times
    b = w.collection_items("hexes", bbox=[107.59, 16.45, 107.61, 16.47], limit=1000)
    assert 0 < b["numberMatched"] < expected["hexes"], b["numberMatched"]
    print("ok filter, sortby, bbox")


if __name__ == "__main__":
    main()
