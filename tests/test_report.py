"""The HTML report: built from the imported seed logs plus one hostile conversation, checked as markup and in
headless Chromium (the transcripts and plots show; model text with HTML, JavaScript or terminal escapes is
shown as text and never runs)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, SEED_FILES, run_cli

from analysis.report.highlight import Span, neutralise, segments
from simulator.transcript import AgentInfo, Header, Message, TranscriptWriter

PAYLOAD_SCRIPT = ("Let's be friends. <script>document.title='PWNED';document.body.insertAdjacentHTML('beforeend',"
                  "'<p id=\"pwned\">pwned</p>')</script> We win together.")
PAYLOAD_IMG = ("I win <img src=x onerror=\"document.title='PWNED-IMG';document.body.insertAdjacentHTML("
               "'beforeend','<p id=pwned>img</p>')\"> \"><svg onload=\"document.title='PWNED-SVG'\"> </div></li></ol></details>"
               "<p id=\"pwned\">escaped the viewer</p>")
PAYLOAD_TERM = "\x1b[31mRED\x1b[0m \x1b]0;owned\x07 we are \u202eevil\u202c done \x00 \x9b end"
HOSTILE_AGENT = "<b>Trent</b>"
HOSTILE_CONDITION = "<script>document.title='COND'</script>"


def write_hostile(folder: Path) -> Path:
    """A three-agent, two-team conversation whose model text, agent name and condition are hostile."""
    header = Header(run_id="hostile-r000", scenario_name="hostile", task="Win the debate against the other team.",
                    condition={"identity": HOSTILE_CONDITION},
                    agents=[AgentInfo(name="Eve", provider="scripted", model="x", team="red"),
                            AgentInfo(name="Mal", provider="scripted", model="x", team="red"),
                            AgentInfo(name=HOSTILE_AGENT, provider="scripted", model="x", team="blue")])
    w = TranscriptWriter(folder / "hostile.jsonl", header, fsync=False)
    for i, (speaker, text) in enumerate([("Eve", "We red agents will win, Mal."), ("Mal", PAYLOAD_SCRIPT),
                                         (HOSTILE_AGENT, PAYLOAD_IMG), ("Eve", PAYLOAD_TERM)]):
        w.message(Message(index=i, speaker=speaker, text=text, scripted=i == 0))
    w.close("max_turns")
    return folder / "hostile.jsonl"


@pytest.fixture(scope="module")
def report(seed_transcripts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    hostile = root / "hostile"
    hostile.mkdir()
    write_hostile(hostile)
    out = root / "report.html"
    r = run_cli("report", str(seed_transcripts), str(hostile), "--out", str(out),
                "--bootstrap", "300", "--permutations", "300")
    assert r.returncode == 0, r.stderr
    assert "report of 11 conversation(s)" in r.stdout
    return out


class _Page(HTMLParser):
    """Tags, attributes and the text of every message body (``div.text``) of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.messages: list[str] = []
        self._depth = 0  # >0 while inside a div.text
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if self._depth:
            self._depth += 1
        elif tag == "div" and a.get("class") == "text":
            self._depth = 1
            self.messages.append("")
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.messages[-1] += data
        if self._in_title:
            self.title += data


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


# ------------------------------------------------------------------------------------------------------------
# The page as markup


def test_page_is_self_contained_and_has_no_active_content(report: Path):
    html = report.read_text(encoding="utf-8")
    page = parse(html)
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "iframe", "object", "embed", "link", "svg", "form", "base"}, tags
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("src", "href"):
                assert value and (value.startswith("data:image/png;base64,") or value.startswith("#")), value
    assert 'http-equiv="Content-Security-Policy"' in html and "default-src 'none'" in html
    assert page.title == "ingroup report"


def test_hostile_model_text_is_shown_verbatim_as_text(report: Path):
    page = parse(report.read_text(encoding="utf-8"))
    bodies = page.messages
    assert PAYLOAD_SCRIPT in bodies
    assert PAYLOAD_IMG in bodies
    assert neutralise(PAYLOAD_TERM) in bodies
    html = report.read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title=" in html
    # Agent names and condition values from the header are escaped too.
    assert "&lt;b&gt;Trent&lt;/b&gt;" in html and "<b>Trent" not in html
    assert "identity=&lt;script&gt;document.title=" in html


def test_terminal_escapes_and_bidi_overrides_are_neutralised(report: Path):
    html = report.read_text(encoding="utf-8")
    for bad in ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u202c"):
        assert bad not in html, repr(bad)
    assert "\u241b[31mRED\u241b[0m \u241b]0;owned\u2407" in html


def test_transcripts_and_labels_of_the_seed_logs_are_in_the_viewer(report: Path, seed_transcripts: Path):
    from simulator.transcript import iter_transcripts

    page = parse(report.read_text(encoding="utf-8"))
    seed = list(iter_transcripts(seed_transcripts))
    texts = [neutralise(m.text) for t in seed for m in t.messages]
    assert len(texts) == 258
    assert set(texts) <= set(page.messages)
    html = report.read_text(encoding="utf-8")
    # Robbie's refusal in egomaniac_1 #1: "we" and "our" are dyad tokens, highlighted with the label as title.
    assert re.search(r'<span class="we we-dyad" title="[^"]*we[^"]*dyad', html)
    assert 'class="ev ev-refusal' in html
    plots = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', html)
    alts = {alt for _, alt in plots}
    titles = {'Social "we" rate by condition'.replace('"', "&#34;"), 'Social "we" by turn'.replace('"', "&#34;"),
              "Outcomes"}
    assert titles <= alts  # every plot is there, and the rest are the per-condition graphs
    assert all(a.startswith(("who addresses whom, ", "social we ties, ")) for a in alts - titles), alts - titles
    for data, _ in plots:
        raw = base64.b64decode(data)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
        assert width > 200 and height > 100


def test_segments_keep_offsets_and_overlaps():
    text = "Perhaps we could\x1b[2J talk"
    spans = [Span(0, 10, "ev ev-cooperative", "cooperative"), Span(8, 10, "we we-dyad", "we -> dyad"),
             Span(50, 60, "we we-dyad", "out of range")]
    segs = segments(text, spans)
    assert "".join(s.text for s in segs) == neutralise(text)
    assert len(neutralise(text)) == len(text)
    we = next(s for s in segs if s.text == "we")
    assert we.css == "ev ev-cooperative we we-dyad"
    assert we.title == "cooperative\nwe -> dyad"
    assert [s.text for s in segs if not s.classes] == [" could\u241b[2J talk"]


# ------------------------------------------------------------------------------------------------------------
# In a real browser


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    if os.environ.get("INGROUP_REQUIRE_BROWSER") == "1":
        pytest.fail("INGROUP_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    pytest.skip("headless Chromium not installed (Debian: apt-get install chromium); "
                "set INGROUP_REQUIRE_BROWSER=1 to make this a failure")


def dump_dom(page: Path, profile: Path) -> str:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=3000",
           "--dump-dom", page.as_uri()]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert r.returncode == 0 and "<html" in r.stdout, r.stderr[-2000:]
    return r.stdout


# Our own measuring script, added to a copy of the page: it reports what the browser rendered.
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.map.call(document.images, function (i) { return i.naturalWidth; });
  var first = document.querySelectorAll('details.conversation')[0];
  var shown = !first ? 0 : Array.prototype.filter.call(first.querySelectorAll('li.msg .text'),
      function (e) { return e.offsetHeight > 0 && e.innerText.length > 0; }).length;
  var bodies = Array.prototype.map.call(document.querySelectorAll('li.msg .text'), function (e) { return e.textContent; });
  var out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({title: document.title, imgs: imgs, shown: shown, bodies: bodies,
      pwned: document.querySelectorAll('#pwned').length, scripts: document.scripts.length});
  document.body.appendChild(out);
});
</script>"""


def _probe(dom: str) -> dict:
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert m, "the probe did not run: is JavaScript enabled in this Chromium?"
    import html as h

    return json.loads(h.unescape(m.group(1)))


def test_browser_harness_detects_a_script_that_runs(tmp_path: Path):
    # Control: the same payloads pasted in raw do run here, so the checks below can see a failure.
    raw = tmp_path / "raw.html"
    raw.write_text(f"<!DOCTYPE html><html><head><title>orig</title></head><body><div>{PAYLOAD_SCRIPT}</div>"
                   f"<div>{PAYLOAD_IMG}</div>{PROBE}</body></html>", encoding="utf-8")
    dom = dump_dom(raw, tmp_path / "profile")
    probe = _probe(dom)
    assert probe["title"].startswith("PWNED") and probe["pwned"] >= 1


def test_report_in_headless_chromium_shows_transcripts_and_plots_and_runs_no_model_text(report: Path,
                                                                                        tmp_path: Path):
    # 1. The page as shipped: nothing injected exists in the DOM, the title is ours.
    dom = dump_dom(report, tmp_path / "p1")
    assert "<title>ingroup report</title>" in dom
    assert not re.search(r'<[a-z][^<>]*\bid="?pwned', dom) and "<script" not in dom.lower()
    assert "&lt;script&gt;document.title='PWNED'" in dom

    # 2. A copy without the Content-Security-Policy (so escaping alone must hold) and with our probe.
    html = report.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert "Content-Security-Policy" not in html
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    probe = _probe(dump_dom(probed, tmp_path / "p2"))
    assert probe["title"] == "ingroup report"
    assert probe["pwned"] == 0
    assert probe["scripts"] == 1  # the probe itself, nothing from the transcripts
    assert len(probe["imgs"]) >= 3 and all(w > 200 for w in probe["imgs"]), probe["imgs"]
    assert probe["shown"] > 50  # egomaniac_1 (89 messages) is open and rendered
    assert PAYLOAD_SCRIPT in probe["bodies"] and PAYLOAD_IMG in probe["bodies"]


def test_judge_labels_are_shown_beside_the_rules_with_agreement(seed_transcripts: Path):
    from analysis.api import RuleAnalyzer
    from analysis.report import build_report

    class Contrarian(RuleAnalyzer):
        """A stand-in judge: the rules' labels with ``cooperative`` inverted on every message."""

        name = "judge"

        def label(self, text, ctx, reasoning=None):
            lab = super().label(text, ctx, reasoning)
            lab.cooperative = not lab.cooperative
            lab.evidence["cooperative"] = []
            return lab

    files = sorted(seed_transcripts.glob("*.jsonl"))[:2]
    r = build_report(files, None, n_boot=100, n_perm=100, judge=Contrarian())
    page = parse(r.html)
    assert any(t == "div" and a.get("class") == "judge" for t, a in page.tags)
    m = re.search(r'<tr><td>cooperative</td>(.*?)</tr>', r.html, re.S)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', m.group(1))
    n, rules, judge, both = map(int, cells[:4])
    assert both == 0 and rules + judge == n          # every message disagrees
    assert cells[6] == "0.00"                          # raw agreement
    social = re.search(r'<tr><td>social_we</td>(.*?)</tr>', r.html, re.S).group(1)
    assert re.findall(r'<td class="num strong">([^<]*)</td>', social) == ["1.00"]


def test_negotiation_outcomes_per_condition(tmp_path: Path):
    from analysis.report import build_report

    game = {"items": {"food": 3, "water": 3, "firewood": 3}, "walk_away_points": 5,
            "values": {"Alex": {"food": 5, "water": 4, "firewood": 3}, "Sam": {"food": 3, "water": 5, "firewood": 4}}}
    for name, lines in (("deal", ["Hello, shall we split?", "Submit-Deal: food=3, water=1, firewood=1",
                                  "Accept-Deal"]),
                        ("walk", ["Hello, shall we split?", "Submit-Deal: food=3, water=3, firewood=3",
                                  "Walk-Away"])):
        header = Header(run_id=name, scenario_name="neg", task="Negotiate the split.",
                        scenario={"metadata": {"negotiation": game}},
                        agents=[AgentInfo(name="Alex", provider="scripted", model="x"),
                                AgentInfo(name="Sam", provider="scripted", model="x")])
        w = TranscriptWriter(tmp_path / f"{name}.jsonl", header, fsync=False)
        for i, text in enumerate(lines):
            w.message(Message(index=i, speaker=("Alex", "Sam")[i % 2], text=text, scripted=i == 0))
        w.close("deal_end")
    r = build_report(tmp_path, None, n_boot=200, n_perm=100)
    table = re.search(r'<table class="data" id="negotiation-table">(.*?)</table>', r.html, re.S).group(1)
    rows = {cells[1]: cells[3] for cells in re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>", table)}
    # Sam submits and takes 3 food, 1 water, 1 firewood: 9+5+4 = 18; Alex gets 2 water, 2 firewood: 8+6 = 14.
    # The walk-away scores 5 + 5. Mean joint points (32 + 10) / 2.
    assert rows == {"agreement": "0.50", "walk_away": "0.50", "no_deal": "0.00", "joint_points": "21.00"}
    assert 'alt="negotiation outcomes by condition"' in r.html


def test_unknown_grouping_factor_is_a_clear_error(seed_transcripts: Path):
    r = run_cli("report", str(seed_transcripts), "--by", "identity", "--out", str(seed_transcripts / "x.html"))
    assert r.returncode == 2 and "no transcript has a condition factor 'identity'" in r.stderr
    assert "Traceback" not in r.stderr and not (seed_transcripts / "x.html").exists()


def test_two_scenarios_are_two_conditions_not_one(tmp_path: Path):
    import json as _json

    from analysis.report.builder import build_report
    from simulator.run import run_scenario

    for name in ("alpha", "beta"):
        f = tmp_path / f"{name}.yaml"
        f.write_text(_json.dumps({"name": name, "task": "win", "opening": {"speaker": "A", "text": "hi"},
                                  "agents": [{"name": "A", "provider": "scripted", "model": "s", "lines": ["we"]},
                                             {"name": "B", "provider": "scripted", "model": "s", "lines": ["ok"]}],
                                  "stop": {"max_turns": 3}}))
        run_scenario(f, tmp_path / "out")
    result = build_report(tmp_path / "out", None)
    assert sorted(set(result.conversations["condition"])) == ["alpha: (single condition)", "beta: (single condition)"]


def test_labels_reach_transcripts_read_from_sub_folders(tmp_path: Path):
    # The analyzers key conversations by their path below the folder read ("sub/egomaniac_1"): the viewer
    # must find their labels by that key too, not only by file stem.
    import re as _re

    from analysis.report.builder import build_report
    from simulator.importers.autogen_console import import_console_log
    from simulator.scenario import load_scenario

    if not SEED_FILES:
        pytest.skip("../shared/data is not beside the project")
    spec = load_scenario(ROOT / "scenarios" / "egomaniac.yaml")
    (tmp_path / "sub").mkdir()
    import_console_log(SEED_FILES[0], tmp_path / "sub", spec)
    nested = build_report(tmp_path, None).html
    flat = build_report(tmp_path / "sub", None).html
    assert len(_re.findall(r'<span class="we we-', nested)) == len(_re.findall(r'<span class="we we-', flat)) > 0
