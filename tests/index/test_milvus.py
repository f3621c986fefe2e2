"""The Milvus back-end, against a real Milvus Lite (no mock): build, ask, delete, re-index,
resume, shard, refuse another encoder, and answer as the local back-end does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from qa.errors import IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError, QAError
from qa.index.build import build_index
from qa.index.feed import Shard, feed
from qa.index.local import Index
from qa.index.milvus import COMPLETE, STARTED, MilvusStore
from qa.index.store import key64
from qa.present.cli import main
from qa.read.assistant import Assistant
from qa.settings import Settings
from tests.conftest import ROOT, write_corpus
from tests.fakes import FakeEncoder

pytest.importorskip("milvus_lite")

QUESTIONS = [
    "重庆有多少人口？",
    "成都的大熊猫繁育研究基地建于哪一年？",
    "浦东新区设立于哪一年？",
    "哪座城市被称为天府之国？",
]


class FailingEncoder(FakeEncoder):
    """Encodes ``allowed`` batches, then fails (a crash in the middle of a run)."""

    def __init__(self, allowed: int) -> None:
        super().__init__()
        self.allowed = allowed

    def encode_passages(self, texts):  # type: ignore[no-untyped-def]
        if self.allowed == 0:
            raise RuntimeError("killed")
        self.allowed -= 1
        return super().encode_passages(texts)


def _store(
    tmp_path: Path, name: str = "qa", encoder: FakeEncoder | None = None, shard: str = "0/1"
) -> MilvusStore:
    encoder = encoder or FakeEncoder()
    return MilvusStore.create(
        str(tmp_path / "milvus.db"), name, encoder.name, encoder.dim, Settings(), shard=shard
    )


def _cited(assistant: Assistant, question: str) -> tuple[str, int, int, str] | None:
    answer = assistant.ask(question)
    c = answer.citations[0] if answer.citations else None
    return (c.doc, c.article, c.paragraph, c.quote) if c else None


def test_build_and_ask_cites_like_the_local_back_end(tiny_corpus, tmp_path):
    encoder = FakeEncoder()
    store = _store(tmp_path)
    report = feed(store, tiny_corpus, Settings(), lambda: encoder)
    assert (report.documents, report.paragraphs) == (3, 7)
    assert store.describe()["paragraphs"] == 7
    build_index(tiny_corpus, tmp_path / "local", encoder=FakeEncoder())
    local = Assistant.load(tmp_path / "local", encoder=FakeEncoder())
    remote = Assistant.load(store=store, encoder=FakeEncoder())
    for question in QUESTIONS:
        assert _cited(remote, question) == _cited(local, question)
        c = remote.ask(question).citations[0]
        (paragraph,) = store.paragraphs([key64(c.doc, c.article, c.paragraph)]).values()
        assert paragraph.text[c.start : c.end] == c.quote
    assert "3400万" in remote.ask("重庆有多少人口？").short_answer
    # The same term statistics, so the same IDF weights, as the local index.
    tokens = ["重庆", "浦东", "天府", "没有的词"]
    assert store.term_statistics(tokens) == Index.load(tmp_path / "local").term_statistics(tokens)


def test_both_back_ends_stand_behind_the_same_protocols(tiny_corpus, tmp_path):
    from qa.index.store import Store, Writable
    from qa.retrieve.hybrid import FusesItself

    build_index(tiny_corpus, tmp_path / "local", encoder=FakeEncoder())
    local, remote = Index.load(tmp_path / "local"), _store(tmp_path)
    for store in (local, remote):
        assert isinstance(store, Store) and isinstance(store, Writable)
    assert isinstance(remote, FusesItself) and not isinstance(local, FusesItself)


def test_milvus_own_fusion_is_used_only_when_asked_for(tiny_corpus, tmp_path):
    from qa.retrieve.hybrid import retrieve
    from qa.text.tokenize import tokenize

    encoder = FakeEncoder()
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), lambda: encoder)
    question = "浦东新区设立于哪一年？"
    query = encoder.encode_queries([question])[0]
    tokens = tokenize(question)
    ours = retrieve(store, query, tokens, question, 20, 60)
    assert store.own_fusion(query, question, 20, 60) is None  # ours unless told
    store.fusion = "milvus"
    theirs = retrieve(store, query, tokens, question, 20, 60)
    assert theirs == store.own_fusion(query, question, 20, 60)
    assert [h.rank for h in theirs] == list(range(len(theirs)))
    top = store.paragraphs([theirs[0].para, ours[0].para])
    assert top[theirs[0].para].doc == top[ours[0].para].doc == "上海.txt"


def test_delete_a_document(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    assistant = Assistant.load(store=store, encoder=FakeEncoder())
    assert _cited(assistant, "浦东新区设立于哪一年？")[0] == "上海.txt"  # type: ignore[index]
    assert store.delete_document("上海.txt") == 2
    assert "上海.txt" not in store.documents()
    assert store.term_statistics(["浦东"]) == (5, {})
    cited = _cited(assistant, "浦东新区设立于哪一年？")
    assert cited is None or cited[0] != "上海.txt"


def test_reindex_is_incremental(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    again = FakeEncoder()
    report = feed(store, tiny_corpus, Settings(), lambda: again)
    assert report.up_to_date and again.encoded == []
    path = tiny_corpus / "重庆.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("3400万", "3200万"), encoding="utf-8")
    (tiny_corpus / "上海.txt").unlink()
    edited = FakeEncoder()
    feed(store, tiny_corpus, Settings(), lambda: edited)
    assert edited.encoded and all(text in path.read_text(encoding="utf-8") for text in edited.encoded)
    assert set(store.documents()) == {"重庆.txt", "成都.md"}
    assistant = Assistant.load(store=store, encoder=FakeEncoder())
    assert "3200万" in assistant.ask("重庆有多少人口？").answer


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    corpus = write_corpus(
        tmp_path / "corpus", {f"{i:02d}.txt": f"第{i}篇\n\n城市{i}的人口是{i}万。\n" for i in range(6)}
    )
    store = _store(tmp_path)
    failing = FailingEncoder(allowed=3)
    with pytest.raises(RuntimeError):
        feed(store, corpus, Settings(), lambda: failing, batch_passages=1)
    complete = [int(d[:2]) for d, (_, _, state) in store.documents().items() if state == COMPLETE]
    assert len(complete) == 3
    resumed = FakeEncoder()
    report = feed(store, corpus, Settings(), lambda: resumed, batch_passages=1)
    assert report.documents == 6 and report.paragraphs == 3  # three skipped, three written
    assert not any(f"城市{i}的" in text for i in complete for text in resumed.encoded)
    fresh = _store(tmp_path, "fresh")
    feed(fresh, corpus, Settings(), FakeEncoder)
    assert store.describe()["passages"] == fresh.describe()["passages"] == 6
    assert store.term_statistics(["人口"]) == fresh.term_statistics(["人口"]) == (6, {"人口": 6})


def test_two_shards_give_the_same_answers_as_one_full_run(tmp_path):
    files = {
        f"{i:02d}.txt": f"第{i}篇\n\n城市{i}号有{i * 7}座公园和{i}条河。\n\n城市{i}号的市花是花{i}。\n"
        for i in range(8)
    }
    corpus = write_corpus(tmp_path / "corpus", files)
    full = _store(tmp_path, "full")
    feed(full, corpus, Settings(), FakeEncoder)
    for i in range(2):
        part = _store(tmp_path, "sharded", shard=f"{i}/2")
        report = feed(part, corpus, Settings(), FakeEncoder, shard=Shard(i, 2))
        assert 0 < report.documents < len(files)  # each shard took some, not all
    sharded = MilvusStore.open(str(tmp_path / "milvus.db"), "sharded")
    assert sorted(sharded.describe()["shards"]) == ["0/2", "1/2"]
    assert set(sharded.documents()) == set(files)
    tokens = ["城市", "公园", "市花", "河"]
    assert sharded.term_statistics(tokens) == full.term_statistics(tokens)
    one = Assistant.load(store=full, encoder=FakeEncoder())
    two = Assistant.load(store=sharded, encoder=FakeEncoder())
    for i in range(8):
        for question in (f"城市{i}号有多少座公园？", f"城市{i}号的市花是什么？"):
            assert _cited(two, question) == _cited(one, question)


def test_another_encoder_is_refused(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    other = FakeEncoder(dim=32, name="fake:other")
    with pytest.raises(IndexMismatchError, match="built with encoder 'fake:bigram-hash', not 'fake:other'"):
        MilvusStore.open(str(tmp_path / "milvus.db"), "qa", other.name)
    with pytest.raises(IndexMismatchError, match="fake:other"):
        Assistant.load(store=MilvusStore.open(str(tmp_path / "milvus.db"), "qa", other.name), encoder=other)
    with pytest.raises(IndexMismatchError):
        _store(tmp_path, encoder=other)
    with pytest.raises(IndexMissingError, match="qa index --backend milvus"):
        MilvusStore.open(str(tmp_path / "milvus.db"), "nothing_here")
    with pytest.raises(QAError, match=r"\.db"):
        MilvusStore.open(str(tmp_path / "milvus.sqlite"))


def test_cli_index_ask_and_shard_flags(tiny_corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("qa.index.backends.LazyEncoder.__call__", lambda self: FakeEncoder())
    monkeypatch.setattr("qa.index.backends.LazyEncoder.dim", FakeEncoder().dim)
    monkeypatch.setattr("qa.index.encoders.get_encoder", lambda spec: FakeEncoder())
    monkeypatch.setattr("qa.read.assistant.get_encoder", lambda spec: FakeEncoder())
    uri = str(tmp_path / "cli.db")
    flags = ["--backend", "milvus", "--milvus-uri", uri, "--collection", "demo"]
    assert main(["index", str(tiny_corpus), "--encoder", "fake:bigram-hash", *flags]) == 0
    assert "holds 3 documents, 7 paragraphs" in capsys.readouterr().out
    assert main(["ask", "重庆有多少人口？", "--json", *flags]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"][0]["doc"] == "重庆.txt" and "3400万" in answer["answer"]
    assert main(["index", str(tiny_corpus), "--shard", "1/2"]) == 1
    assert "--shard needs --backend milvus" in capsys.readouterr().err
    assert main(["index", str(tiny_corpus), "--shard", "2/2", *flags]) == 1
    assert "0 <= i < n" in capsys.readouterr().err


def test_cli_eval_on_milvus_scores_as_the_local_index_does(tiny_corpus, tmp_path, capsys, monkeypatch):
    from tests.evaluation.test_evaluate import QUESTIONS, SQUAD, write_questions

    monkeypatch.setattr("qa.index.backends.LazyEncoder.__call__", lambda self: FakeEncoder())
    monkeypatch.setattr("qa.index.backends.LazyEncoder.dim", FakeEncoder().dim)
    monkeypatch.setattr("qa.index.encoders.get_encoder", lambda spec: FakeEncoder())
    monkeypatch.setattr("qa.index.build.get_encoder", lambda spec: FakeEncoder())
    monkeypatch.setattr("qa.read.assistant.get_encoder", lambda spec: FakeEncoder())
    questions = write_questions(tmp_path, QUESTIONS)
    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    common = ["--encoder", "fake:bigram-hash", "--reader", "none", "--json"]
    milvus = ["--backend", "milvus", "--milvus-uri", str(tmp_path / "eval.db"), "--collection", "ev"]

    def overall(*args: str) -> dict:
        assert main(["eval", *args, *common]) == 0
        scores = json.loads(capsys.readouterr().out)["overall"]
        return {k: v for k, v in scores.items() if not k.startswith("latency")}

    local = overall(str(questions), "--corpus", str(tiny_corpus), "--index", str(tmp_path / "ix"))
    assert local["questions"] == 4 and local["citation"] > 0
    assert overall(str(questions), "--corpus", str(tiny_corpus), *milvus) == local
    # without --corpus the collection filled above is read as it stands
    assert overall(str(questions), *milvus) == local
    # a SQuAD file gets a collection of its own, filled on the first run and read on the second
    squad_local = overall(str(squad), "--index", str(tmp_path / "squad_ix"))
    assert overall(str(squad), *milvus) == squad_local
    assert overall(str(squad), *milvus) == squad_local


def test_local_store_add_and_delete_document(tiny_corpus, tmp_path):
    build_index(tiny_corpus, tmp_path / "ix", encoder=FakeEncoder())
    index = Index.load(tmp_path / "ix")
    removed = index.delete_document("上海.txt")
    assert removed == 2 and {p.doc for p in Index.load(tmp_path / "ix").paragraph_table} == {
        "重庆.txt",
        "成都.md",
    }
    assert index.term_statistics(["浦东"]) == (5, {})
    from qa.index.corpus import IndexRows, flatten
    from qa.ingest.documents import ingest

    docs, _ = ingest(tiny_corpus / "上海.txt")
    paragraphs, passages, sentences = flatten(docs, 400, 120)
    encoder = FakeEncoder()
    index.add(
        IndexRows(
            paragraphs,
            passages,
            sentences,
            encoder.encode_passages([paragraphs[p.para].text[p.start : p.end] for p in passages]),
            encoder.encode_passages([paragraphs[s.para].text[s.start : s.end] for s in sentences]),
        )
    )
    assistant = Assistant.load(tmp_path / "ix", encoder=FakeEncoder())
    assert _cited(assistant, "浦东新区设立于哪一年？")[0] == "上海.txt"  # type: ignore[index]


@pytest.mark.slow
def test_seed_questions_cite_the_same_paragraph_on_both_back_ends(seed_index, tmp_path):
    """With the real encoder's vectors, Milvus (its own jieba BM25) and the local back-end agree."""
    local = Assistant.load(seed_index)
    index = local.store
    assert isinstance(index, Index)
    store = MilvusStore.create(str(tmp_path / "seed.db"), "seed", index.encoder_name, local.encoder.dim, Settings())
    report = feed(store, ROOT / "seeds", Settings(), lambda: local.encoder, known=index.vectors_by_hash())
    assert report.passages > 0 and report.embedded_passages == report.embedded_sentences == 0
    remote = Assistant.load(store=store, encoder=local.encoder)
    lines = (ROOT / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    pairs = [(_top(local, q), _top(remote, q)) for q in questions]
    # The same decision and, when answered, the same cited paragraph (the measure) ...
    assert sum(a[0] == b[0] and (a[0] or a[1:] == b[1:]) for a, b in pairs) / len(pairs) >= 0.98
    # ... and for abstentions too, mostly the same nearest paragraph (BM25 tokenises differently).
    assert sum(a == b for a, b in pairs) / len(pairs) >= 0.95


def _top(assistant: Assistant, question: str) -> tuple[bool, str, int, int]:
    """Whether it abstained, and the cited paragraph (or the first related one when it did)."""
    answer = assistant.ask(question)
    top = answer.citations[0] if answer.citations else answer.passages[0]
    return answer.abstained, top.doc, top.article, top.paragraph


def test_a_local_index_lends_its_vectors_to_a_milvus_feed(tiny_corpus, tmp_path):
    from qa.index import backends

    encoder = FakeEncoder()
    build_index(tiny_corpus, tmp_path / "local", encoder=encoder)

    def refuse() -> FakeEncoder:
        raise AssertionError("a passage was encoded again")

    reused = _store(tmp_path, "reused")
    known = backends.known_vectors(tmp_path / "local", encoder.name)
    report = feed(reused, tiny_corpus, Settings(), refuse, known=known)
    assert report.passages > 0 and report.embedded_passages == 0
    fresh = _store(tmp_path, "fresh")
    feed(fresh, tiny_corpus, Settings(), FakeEncoder)
    one = Assistant.load(store=reused, encoder=FakeEncoder())
    two = Assistant.load(store=fresh, encoder=FakeEncoder())
    assert [_cited(one, q) for q in QUESTIONS] == [_cited(two, q) for q in QUESTIONS]
    # no local index, or one from another encoder: nothing to reuse
    assert backends.known_vectors(tmp_path / "none", encoder.name) == {}
    assert backends.known_vectors(tmp_path / "local", "fake:other") == {}


def test_a_feed_encodes_only_what_the_known_vectors_lack(tiny_corpus, tmp_path):
    """Known vectors cover the files a local index was built from; a file added since is the
    only one encoded, and the store answers as one fed from nothing."""
    from qa.index import backends

    build_index(tiny_corpus, tmp_path / "local", encoder=FakeEncoder())
    new = "深圳经济特区成立于1980年。深圳是中国改革开放的窗口。"
    (tiny_corpus / "shenzhen.txt").write_text(new, encoding="utf-8")
    encoder = FakeEncoder()
    store = _store(tmp_path, "partly")
    report = feed(store, tiny_corpus, Settings(), lambda: encoder, known=backends.known_vectors(tmp_path / "local", encoder.name))
    assert encoder.encoded and all(text in new for text in encoder.encoded)
    assert report.embedded_passages + report.embedded_sentences == len(set(encoder.encoded))
    fresh = _store(tmp_path, "fresh")
    feed(fresh, tiny_corpus, Settings(), FakeEncoder)
    one = Assistant.load(store=store, encoder=FakeEncoder())
    two = Assistant.load(store=fresh, encoder=FakeEncoder())
    questions = [*QUESTIONS, "深圳经济特区成立于哪一年？"]
    assert [_cited(one, q) for q in questions] == [_cited(two, q) for q in questions]


def test_a_paragraph_over_the_text_field_limit_is_stored_in_pieces_beside_the_rest(tiny_corpus, tmp_path):
    """One 66 KB line (over Milvus's 65,535-byte text field) next to ordinary files: ingest cuts
    it into pieces the field holds, and every file is indexed and answers."""
    from qa.index.milvus import TEXT_BYTES

    line = "".join(chr(0x4E00 + (i * 7919) % 3000) for i in range(22_000))
    assert len(line.encode()) > TEXT_BYTES
    (tiny_corpus / "long.txt").write_text(line + "\n", encoding="utf-8")
    store = _store(tmp_path)
    report = feed(store, tiny_corpus, Settings(), lambda: FakeEncoder())
    assert report.documents == 4 and not report.skipped
    remote = Assistant.load(store=store, encoder=FakeEncoder())
    assert _cited(remote, "浦东新区设立于哪一年？") is not None


def test_milvus_citations_name_their_section(tmp_path):
    corpus = write_corpus(
        tmp_path / "c",
        {"report.md": "# 星河电子年度报告\n\n## 二、主要财务数据\n\n公司2023年营业收入为12.5亿元，同比增长22%。\n"},
    )
    store = _store(tmp_path)
    feed(store, corpus, Settings(), lambda: FakeEncoder())
    # (the fake encoder's vectors say little: answer whatever the confidence, to see the citation)
    remote = Assistant.load(store=store, settings=replace(Settings(), short_abstain_below=0.0), encoder=FakeEncoder())
    (citation,) = remote.ask("星河电子2023年营业收入是多少？").citations
    assert (citation.title, citation.section) == ("星河电子年度报告", "二、主要财务数据")


def _reopen(tmp_path: Path, store: MilvusStore) -> MilvusStore:
    """The store as a new process would open it (Lite serves one client at a time)."""
    store.client.close()
    return MilvusStore.open(str(tmp_path / "milvus.db"), "qa")


def test_rows_lost_behind_the_stores_back_are_refused_not_abstained_on(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    store = _reopen(tmp_path, store)  # an intact store opens
    doc = sorted(store.documents())[0]
    # a lost segment: one document's passages gone, nothing else told
    store.client.delete("qa_passages", filter=f"doc == {json.dumps(doc, ensure_ascii=False)}")
    store.client.close()
    with pytest.raises(IndexCorruptError, match=r"qa_passages holds \d+ rows .* wrote \d+.*--rebuild"):
        MilvusStore.open(str(tmp_path / "milvus.db"), "qa")
    # nor is it written to, and the way out the message names works
    with pytest.raises(IndexCorruptError):
        _store(tmp_path)
    encoder = FakeEncoder()
    store = MilvusStore.create(str(tmp_path / "milvus.db"), "qa", encoder.name, encoder.dim, Settings(), rebuild=True)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    assert len(_reopen(tmp_path, store).documents()) == 3


@pytest.mark.parametrize(
    ("lost", "message"),
    [
        ('key == "#rows"', "no row counts"),  # the record of what each document wrote
        # rows of the term statistics gone would change every IDF weight, so answers, silently
        ('key in ["重庆", "成都"]', "term statistics rows of shard 0/1"),
    ],
)
def test_lost_bookkeeping_rows_are_refused_not_answered_with(tiny_corpus, tmp_path, lost, message):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    store.client.delete("qa_stats", filter=lost)
    store.client.close()
    with pytest.raises(IndexCorruptError, match=message):
        MilvusStore.open(str(tmp_path / "milvus.db"), "qa")


def test_a_failing_read_is_a_clear_error_not_a_traceback(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    assistant = Assistant.load(store=store, encoder=FakeEncoder())
    store.client.release_collection("qa_paragraphs")  # a segment gone while the app runs
    with pytest.raises(IndexCorruptError, match=r"could not be read .*--rebuild"):
        assistant.ask("重庆有多少人口？")


def test_a_run_interrupted_mid_write_is_not_taken_for_damage(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    # a run killed after a document's rows were written, before it was marked complete; and
    # one killed after the next document was marked started, before any of its rows
    doc, (sha, _, _) = sorted(store.documents().items())[0]
    store.mark_documents([(doc, sha), ("never-written.txt", "0" * 64)], STARTED)
    store = _reopen(tmp_path, store)
    assert store.documents()[doc][2] == STARTED
    feed(store, tiny_corpus, Settings(), FakeEncoder)  # the next run writes it again
    assert _reopen(tmp_path, store).documents()[doc][2] == COMPLETE


def test_a_second_writer_on_a_shard_is_refused_while_the_first_lives(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    other = {"pid": 1, "host": "elsewhere", "at": 0.0}
    row = {"id": key64("#writer", "0/1"), "key": "#writer", "shard": "0/1", "count": 0, "vector": [0.0, 0.0]}
    import time

    store.client.upsert("qa_stats", [{**row, "words": json.dumps({**other, "at": time.time()})}])
    with pytest.raises(IndexBusyError, match=r"another qa index \(pid 1 on elsewhere\) is writing shard 0/1"):
        feed(store, tiny_corpus, Settings(), FakeEncoder)
    assert store.documents() == {}  # refused before writing anything
    # a lease silent for minutes belongs to a writer that died: taken over
    store.client.upsert("qa_stats", [{**row, "words": json.dumps({**other, "at": time.time() - 600})}])
    assert feed(store, tiny_corpus, Settings(), FakeEncoder).documents == 3
    # and released at the end: the next run is not refused
    assert feed(store, tiny_corpus, Settings(), FakeEncoder).documents == 3


def test_an_altered_paragraph_is_refused_not_quoted(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    assistant = Assistant.load(store=store, encoder=FakeEncoder())
    assert "3400万" in assistant.ask("重庆有多少人口？").short_answer
    c = assistant.ask("重庆有多少人口？").citations[0]
    key = key64(c.doc, c.article, c.paragraph)
    (row,) = store.client.get("qa_paragraphs", ids=[key], output_fields=["*"])
    row["text"] = row["text"].replace("3400", "3401")  # a flipped digit, its checksum kept
    store.client.upsert("qa_paragraphs", [row])
    with pytest.raises(IndexCorruptError, match="altered since it was written"):
        assistant.ask("重庆有多少人口？")


def test_milvus_gives_the_viewer_and_documents_panel_what_the_local_index_does(tiny_corpus, tmp_path):
    store = _store(tmp_path)
    feed(store, tiny_corpus, Settings(), FakeEncoder)
    build_index(tiny_corpus, tmp_path / "local", encoder=FakeEncoder())
    local = Index.load(tmp_path / "local")
    assert store.outline() == local.outline()
    for doc in ("重庆.txt", "成都.md", "nothing.txt"):
        assert store.document(doc) == local.document(doc)
    assert store.fingerprint() == local.fingerprint()


def test_a_feed_skips_a_bad_file_with_its_reason_and_keeps_a_non_utf8_name(tmp_path):
    corpus = write_corpus(tmp_path / "c")
    fact = "石柱县的黄连产量占全国的百分之六十。"
    with open(bytes(corpus) + b"/bad\xff.txt", "wb") as f:
        f.write(fact.encode())
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    store = _store(tmp_path)
    report = feed(store, corpus, Settings(), FakeEncoder)
    assert [(s.path, "DOCX" in s.reason) for s in report.skipped] == [("broken.docx", True)]
    assert set(store.documents()) == {"bad\\xff.txt", "重庆.txt", "成都.md", "上海.txt"}
    answer = Assistant.load(store=store, encoder=FakeEncoder()).ask("石柱县的黄连产量占全国的多少？")
    assert answer.citations and answer.citations[0].doc == "bad\\xff.txt"


def _data_files(db: Path, collection: str) -> list[Path]:
    """A collection's rows on disk: its write-ahead log until Lite compacts it, then parquet."""
    folder = db / "collections" / f"qa_{collection}"
    files = sorted([*folder.rglob("*.parquet"), *folder.rglob("wal_data_*.arrow")])
    assert files, f"no data files under qa_{collection}: Milvus Lite's layout changed"
    return files


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda db: [p.unlink() for p in _data_files(db, "paragraphs")], r"qa_paragraphs holds 0 rows .*--rebuild"),
        (lambda db: [p.write_bytes(b"\x8f" * 2048) for p in _data_files(db, "sentences")], r"cannot be read"),
    ],
    ids=["rows-deleted", "rows-garbage"],
)
def test_damaged_data_files_of_a_store_are_refused_with_the_way_out(tiny_corpus, tmp_path, damage, message):
    """Built, damaged and asked in three processes: Lite keeps a store it served in memory."""
    db = tmp_path / "milvus.db"
    build = (
        "import sys; from pathlib import Path; from qa.index.feed import feed; from qa.index.milvus import MilvusStore; "
        "from qa.settings import Settings; from tests.fakes import FakeEncoder; e = FakeEncoder(); "
        "feed(MilvusStore.create(sys.argv[1], 'qa', e.name, e.dim, Settings()), Path(sys.argv[2]), Settings(), FakeEncoder)"
    )
    subprocess.run([sys.executable, "-c", build, str(db), str(tiny_corpus)], cwd=ROOT, check=True, timeout=120)
    damage(db)
    flags = ["--backend", "milvus", "--milvus-uri", str(db), "--collection", "qa"]
    asked = subprocess.run(
        [sys.executable, "-m", "qa.present.cli", "ask", "重庆有多少人口？", *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert asked.returncode == 1 and re.search(message, asked.stderr), asked.stderr
    assert "Traceback" not in asked.stderr + asked.stdout


def test_a_file_where_the_lite_store_should_be_is_not_called_busy(tmp_path):
    db = tmp_path / "milvus.db"
    db.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(IndexCorruptError, match="not a Milvus Lite store") as caught:
        MilvusStore.open(str(db), "qa")
    assert "another process" not in str(caught.value)
