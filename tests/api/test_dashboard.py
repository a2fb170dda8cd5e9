"""deploy/grafana/uroster.json asks only for metrics the app exports: every metric name
in its expressions is one a real /metrics scrape (both databases) answers with."""

import json
import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "uroster.json"
METRIC_NAME = re.compile(r"\buroster_[a-z0-9_]+")


def expressions(dashboard: dict) -> list[str]:
    found = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            found.append(variable["query"]["query"])
    return found


def test_the_dashboard_uses_only_exported_metrics(client, world):
    assert client.get("/healthz").status_code == 200  # a request metric to scrape
    scraped = client.get("/metrics", headers=world["admin"].headers)
    assert scraped.status_code == 200
    exported = {
        sample.name
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
    }
    dashboard = json.loads(DASHBOARD.read_text())
    used = {name for expr in expressions(dashboard) for name in METRIC_NAME.findall(expr)}
    assert len(used) >= 10, used
    assert used <= exported, sorted(used - exported)


def test_the_dashboard_is_importable_with_any_prometheus():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "uroster" and dashboard["schemaVersion"] >= 36
    (datasource,) = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert datasource["query"] == "prometheus"
    source = {"type": "prometheus", "uid": f"${{{datasource['name']}}}"}
    titles = []
    for panel in dashboard["panels"]:
        titles.append(panel["title"])
        assert panel["datasource"] == source, panel["title"]
        assert panel["targets"] and all(t["datasource"] == source for t in panel["targets"])
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24
    assert len(set(p["id"] for p in dashboard["panels"])) == len(dashboard["panels"])
    joined = " ".join(expressions(dashboard))
    # The panels the operations issue asks for.
    for needed in (
        "rate(uroster_http_requests_total",
        "histogram_quantile(0.99, sum by (le, route) (rate(uroster_http_request_duration",
        'status=~"5.."',
        "uroster_roster_jobs{",
        "uroster_roster_job_oldest_wait_seconds",
        "uroster_roster_job_wait_seconds_bucket",
        "uroster_roster_job_solve_seconds_bucket",
        "uroster_workers_alive",
        "uroster_notification_deliveries_total",
        "uroster_webhook_deliveries_total",
    ):
        assert needed in joined, needed
