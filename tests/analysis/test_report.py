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
from helpers import ROOT, SEED_FILES, run_cli

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


HOSTILE_FILE = "hostile<img src=x onerror=\"document.title='KEY'\">"


@pytest.fixture(scope="module")
def report(seed_transcripts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The summary page; its conversation pages are in ``report_conversations/`` beside it."""
    root = tmp_path_factory.mktemp("report")
    hostile = root / "hostile"
    hostile.mkdir()
    write_hostile(hostile).rename(hostile / f"{HOSTILE_FILE}.jsonl")
    out = root / "report.html"
    r = run_cli("report", str(seed_transcripts), str(hostile), "--out", str(out),
                "--bootstrap", "300", "--permutations", "300")
    assert r.returncode == 0, r.stderr
    assert "report of 11 conversation(s)" in r.stdout
    return out


def pages_of(summary: Path) -> list[Path]:
    return sorted((summary.parent / f"{summary.stem}_conversations").glob("*.html"))


def all_html(summary: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [summary, *pages_of(summary)])


class _Page(HTMLParser):
    """Tags, attributes, the text of every message body (``div.text``) and of every script of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.messages: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._depth = 0  # >0 while inside a div.text
        self.title = ""
        self._in_title = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if self._depth:
            self._depth += 1
        elif tag == "div" and a.get("class") == "text":
            self._depth = 1
            self.messages.append("")
        self._in_title = tag == "title"
        if tag == "script":
            self._in_script = True
            self.scripts.append((a, ""))

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
        self._in_title = False
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.messages[-1] += data
        if self._in_title:
            self.title += data
        if self._in_script:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def index_data(summary_html: str) -> dict:
    page = parse(summary_html)
    blocks = [text for a, text in page.scripts if a.get("type") == "application/json"]
    assert len(blocks) == 1
    return json.loads(blocks[0])


# ------------------------------------------------------------------------------------------------------------
# The pages as markup


def _no_active_tags(page: _Page, allowed_href: tuple[str, ...]) -> None:
    tags = {t for t, _ in page.tags}
    assert not tags & {"iframe", "object", "embed", "link", "svg", "base"}, tags
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("src", "href"):
                assert value and value.startswith(("data:image/png;base64,", "#", *allowed_href)), value


def test_summary_runs_only_its_own_script_and_pages_are_inert(report: Path):
    import base64 as b64
    import hashlib

    html = report.read_text(encoding="utf-8")
    page = parse(html)
    _no_active_tags(page, ())
    assert page.title == "ingroup report"
    # Two script elements: the index as data (never run), and our script, allowed by its hash alone.
    assert [a.get("type") for a, _ in page.scripts] == ["application/json", None]
    code = page.scripts[1][1]
    digest = b64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and f"script-src 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    pages = pages_of(report)
    assert len(pages) == 11
    for p in pages:
        conv = parse(p.read_text(encoding="utf-8"))
        assert not conv.scripts and "script" not in {t for t, _ in conv.tags}
        _no_active_tags(conv, ("../report.html",))
        assert "default-src 'none'" in p.read_text(encoding="utf-8")


def test_summary_page_holds_no_transcript(report: Path):
    page = parse(report.read_text(encoding="utf-8"))
    assert page.messages == []  # message bodies live on the conversation pages only
    assert report.stat().st_size < 400_000


def test_index_lists_every_conversation_and_its_strings_cannot_end_the_block(report: Path):
    html = report.read_text(encoding="utf-8")
    block = html[html.index('<script type="application/json" id="index-data">'):]
    block = block[block.index(">") + 1:block.index("</script>")]
    assert "<" not in block and ">" not in block and "&" not in block  # all as \u escapes
    data = index_data(html)
    assert data["pages"] == "report_conversations" and len(data["rows"]) == 11
    keys = {r[1] for r in data["rows"]}
    assert HOSTILE_FILE in keys and "egomaniac_1" in keys
    assert f"hostile: identity={HOSTILE_CONDITION}" in data["conditions"]
    files = {r[0] for r in data["rows"]}
    assert files == {p.name for p in pages_of(report)}
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html", f) for f in files), files
    hostile = next(r for r in data["rows"] if r[1] == HOSTILE_FILE)
    assert data["labels"][0] == "social_we" and hostile[7] & 1  # "We red agents will win, Mal." is dyad


def test_hostile_model_text_is_shown_verbatim_as_text(report: Path):
    html = all_html(report)
    bodies = parse(html).messages
    assert PAYLOAD_SCRIPT in bodies
    assert PAYLOAD_IMG in bodies
    assert neutralise(PAYLOAD_TERM) in bodies
    assert "&lt;script&gt;document.title=" in html
    # Agent names and condition values from the header are escaped too.
    assert "&lt;b&gt;Trent&lt;/b&gt;" in html and "<b>Trent" not in html
    assert "identity=&lt;script&gt;document.title=" in html
    assert "identity=&lt;script&gt;document.title=" in report.read_text(encoding="utf-8")  # conditions table


def test_terminal_escapes_and_bidi_overrides_are_neutralised(report: Path):
    html = all_html(report)
    for bad in ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u202c"):
        assert bad not in html, repr(bad)
    assert "\u241b[31mRED\u241b[0m \u241b]0;owned\u2407" in html


def test_transcripts_and_labels_of_the_seed_logs_are_on_their_pages(report: Path, seed_transcripts: Path):
    from simulator.transcript import iter_transcripts

    seed = list(iter_transcripts(seed_transcripts))
    folder = report.parent / "report_conversations"
    for t in seed:
        page = parse((folder / f"{t.key}.html").read_text(encoding="utf-8"))
        assert page.messages == [neutralise(m.text) for m in t.messages]
    assert sum(len(t.messages) for t in seed) == 258
    one = (folder / "egomaniac_1.html").read_text(encoding="utf-8")
    # Robbie's refusal in egomaniac_1 #1: "we" and "our" are dyad tokens, highlighted with the label as title.
    assert re.search(r'<span class="we we-dyad" title="[^"]*we[^"]*dyad', one)
    assert 'class="ev ev-refusal' in one
    html = report.read_text(encoding="utf-8")
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


def test_plots_are_matplotlib_figures_and_the_page_embeds_the_same(seed_transcripts: Path):
    from matplotlib.figure import Figure

    from analysis.report import build_report
    from analysis.report.plots import png_data_uri

    r = build_report(seed_transcripts, None, n_boot=100, n_perm=100)
    assert {"fig-rate", "fig-traj", "fig-outcome"} <= set(r.figures)
    assert all(isinstance(f, Figure) for f in r.figures.values())
    assert png_data_uri(r.figures["fig-rate"]) in r.html


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
    return dump_dom_url(page.as_uri(), profile)


def dump_dom_url(url: str, profile: Path) -> str:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=3000",
           "--dump-dom", url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert r.returncode == 0 and "<html" in r.stdout, r.stderr[-2000:]
    return r.stdout


# Our own measuring script, added to a copy of the page: it reports what the browser rendered.
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.map.call(document.images, function (i) { return i.naturalWidth; });
  var first = document.querySelector('.conversation');
  var shown = !first ? 0 : Array.prototype.filter.call(first.querySelectorAll('li.msg .text'),
      function (e) { return e.offsetHeight > 0 && e.innerText.length > 0; }).length;
  var bodies = Array.prototype.map.call(document.querySelectorAll('li.msg .text'), function (e) { return e.textContent; });
  var out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({title: document.title, imgs: imgs, shown: shown, bodies: bodies,
      pwned: document.querySelectorAll('#pwned').length, scripts: document.scripts.length,
      links: document.querySelectorAll('a.conv-link').length});
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


def _without_csp_with_probe(page: Path, dest: Path) -> Path:
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert "Content-Security-Policy" not in html
    dest.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return dest


def _index_rows(dom: str) -> list[tuple[str, str]]:
    """(href, text) of each conversation link the index script rendered."""
    import html as h

    return [(h.unescape(href), h.unescape(text))
            for href, text in re.findall(r'<a class="conv-link" href="([^"]*)">([^<]*)</a>', dom)]


def test_index_in_headless_chromium_lists_filters_and_links_to_conversation_pages(report: Path, tmp_path: Path):
    import html as h

    # 1. The summary as shipped: our script ran (the CSP allows it by hash), every conversation is listed as text.
    dom = dump_dom(report, tmp_path / "p1")
    assert "<title>ingroup report</title>" in dom
    assert not re.search(r'<[a-z][^<>]*\bid="?pwned', dom)
    assert re.search(r'id="index-count">11 of 11 conversation\(s\) match<', dom)
    rows = _index_rows(dom)
    assert len(rows) == 11 and HOSTILE_FILE in {text for _, text in rows}
    assert f"<td>hostile: identity={h.escape(HOSTILE_CONDITION, quote=False)}</td>" in dom
    # 2. Filtered from the address: only the conversations with a refusal (as the table counts them).
    dom = dump_dom_url(report.as_uri() + "#label=refusal&outcome=none", tmp_path / "p2")
    shown = {text for _, text in _index_rows(dom)}
    data = index_data(report.read_text(encoding="utf-8"))
    bit = 1 << data["labels"].index("refusal")
    expected = {r[1] for r in data["rows"] if r[7] & bit and data["outcomes"][r[4]] == "none"}
    assert shown == expected and 0 < len(expected) < 11
    for r in data["rows"]:
        if r[1] in expected:  # the page agrees: a refusal label in the margin
            assert 'class="label ev-refusal"' in (report.parent / data["pages"] / r[0]).read_text(encoding="utf-8")
    # 3. One conversation page, reached by the index's own link: rendered, with its messages.
    href = next(href for href, text in rows if text == "egomaniac_1")
    target = (report.parent / href).resolve()
    assert target.parent.name == "report_conversations" and target.is_file()
    page_dom = dump_dom(target, tmp_path / "p3")
    assert page_dom.count('class="msg ') == 89 and "<script" not in page_dom.lower()


def test_pages_in_headless_chromium_run_no_model_text_without_the_csp(report: Path, tmp_path: Path):
    # The hostile conversation's page and the summary, each without its Content-Security-Policy (so escaping
    # alone must hold) and with our probe.
    hostile = next(p for p in pages_of(report) if p.name.startswith("hostile"))
    probe = _probe(dump_dom(_without_csp_with_probe(hostile, hostile.with_name("probed.html")), tmp_path / "p1"))
    assert probe["title"].endswith("ingroup report") and "PWNED" not in probe["title"]
    assert probe["pwned"] == 0 and probe["scripts"] == 1  # the probe itself, nothing from the transcript
    assert PAYLOAD_SCRIPT in probe["bodies"] and PAYLOAD_IMG in probe["bodies"] and probe["shown"] == 4
    probe = _probe(dump_dom(_without_csp_with_probe(report, report.with_name("probed.html")), tmp_path / "p2"))
    assert probe["title"] == "ingroup report" and probe["pwned"] == 0
    assert probe["scripts"] == 3  # the index data, our index script, the probe
    assert len(probe["imgs"]) >= 3 and all(w > 200 for w in probe["imgs"]), probe["imgs"]
    assert probe["links"] == 11


def test_the_csp_lets_only_the_index_script_run(report: Path, tmp_path: Path):
    # A second inline script in the shipped summary (CSP kept) must not run: the hash admits ours alone.
    html = report.read_text(encoding="utf-8").replace(
        "</body>", "<script>document.title='PWNED-EXTRA'</script></body>")
    extra = report.with_name("extra.html")
    extra.write_text(html, encoding="utf-8")
    dom = dump_dom(extra, tmp_path / "p")
    assert "<title>ingroup report</title>" in dom and len(_index_rows(dom)) == 11


def test_judge_labels_are_shown_beside_the_rules_with_agreement(seed_transcripts: Path, tmp_path: Path):
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
    r = build_report(files, tmp_path / "r", n_boot=100, n_perm=100, judge=Contrarian())
    page = parse(r.page(files[0].stem))
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
    nested = build_report(tmp_path, tmp_path / "r1", n_boot=100, n_perm=100).page("sub/egomaniac_1")
    flat = build_report(tmp_path / "sub", tmp_path / "r2", n_boot=100, n_perm=100).page("egomaniac_1")
    assert len(_re.findall(r'<span class="we we-', nested)) == len(_re.findall(r'<span class="we we-', flat)) > 0


def test_out_folder_layout_rerun_and_a_folder_in_the_way(seed_transcripts: Path, tmp_path: Path):
    files = sorted(seed_transcripts.glob("*.jsonl"))[:3]
    out = tmp_path / "rep"
    r = run_cli("report", *map(str, files), "--out", str(out), "--bootstrap", "100", "--permutations", "100",
                "--max-transcripts", "2")
    assert r.returncode == 0, r.stderr
    pages = sorted(p.name for p in (out / "conversations").iterdir())
    assert (out / "index.html").is_file() and len(pages) == 2  # pages for two, the index lists all three
    rows = index_data((out / "index.html").read_text(encoding="utf-8"))["rows"]
    assert len(rows) == 3 and sorted(r[0] for r in rows if r[0]) == pages and sum(r[0] is None for r in rows) == 1
    assert "../index.html" in (out / "conversations" / pages[0]).read_text(encoding="utf-8")
    # A rerun replaces the earlier pages (none left over), and leaves no hidden staging folder behind.
    r = run_cli("report", str(files[0]), "--out", str(out), "--bootstrap", "100", "--permutations", "100")
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (out / "conversations").iterdir()] == [f"{files[0].stem}.html"]
    assert sorted(p.name for p in out.iterdir()) == ["conversations", "index.html"]
    # A folder of that name holding anything else is not ours to replace: one clear line, exit 2, untouched.
    mine = tmp_path / "mine"
    (mine / "conversations").mkdir(parents=True)
    (mine / "conversations" / "notes.txt").write_text("keep me")
    r = run_cli("report", str(files[0]), "--out", str(mine), "--bootstrap", "100", "--permutations", "100")
    assert r.returncode == 2 and "not an earlier report's pages folder" in r.stderr and "Traceback" not in r.stderr
    assert (mine / "conversations" / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in mine.iterdir()) == ["conversations"]
    # A build that fails leaves no folder it made.
    r = run_cli("report", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "new" / "rep"))
    assert r.returncode == 2 and not (tmp_path / "new").exists()


def test_page_names_are_safe_and_unique():
    from analysis.report.builder import page_name

    used: set[str] = set()
    names = [page_name(k, used) for k in ("copy-0001/egomaniac_1", "a b/<x>", "../../etc/passwd", "A", "a", "")]
    assert names == ["copy-0001__egomaniac_1.html", "a_b___x_.html", "etc__passwd.html", "A.html", "a-2.html",
                     "conversation.html"]


def test_the_report_streams_one_transcript_at_a_time(seed_transcripts: Path, tmp_path: Path):
    # The builder takes an iterator and writes each conversation's page before reading the next transcript.
    from analysis.report.builder import ReportOptions, ReportPaths, build
    from simulator.transcript import iter_transcripts

    paths = ReportPaths.for_out(tmp_path / "r")
    staged: list[int] = []

    def source():
        for t in iter_transcripts(seed_transcripts):
            staging = [p for p in tmp_path.joinpath("r").glob(".conversations.*") if p.is_dir()]
            staged.append(sum(len(list(p.iterdir())) for p in staging))
            yield t

    r = build(source(), ReportOptions(n_boot=100, n_perm=100), paths=paths)
    assert staged == list(range(10)) and len(r.pages) == 10
    before = {p.name: p.read_bytes() for p in paths.pages.iterdir()}
    summary = paths.summary.read_bytes()

    def broken():
        for i, t in enumerate(iter_transcripts(seed_transcripts)):
            if i == 3:
                raise RuntimeError("disk pulled out")
            yield t

    with pytest.raises(RuntimeError):
        build(broken(), ReportOptions(n_boot=100, n_perm=100), paths=paths)
    # The earlier report is as it was, and no staging folder is left.
    assert {p.name: p.read_bytes() for p in paths.pages.iterdir()} == before
    assert paths.summary.read_bytes() == summary
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["conversations", "index.html"]
