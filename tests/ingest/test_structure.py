import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.ingest.documents import build_document
from qa.ingest.layout import is_wide
from qa.ingest.loaders import LoadedText
from qa.ingest.structure import match_byline, overlap
from qa.present.render import display_title
from tests.typeset import Layout, Piece, random_layout, typeset

SPACED = re.compile(r"(?<=[\u4e00-\u9fff，。、]) (?=[\u4e00-\u9fff，。、])")


def _doc(text: str, name: str = "page.txt"):
    return build_document(LoadedText(text=text), name)


def _squash(text: str) -> str:
    return "".join(text.split())


# -- the seed page ---------------------------------------------------------------------------


def test_seed_articles_authors_titles_and_paragraph_counts(seed_text):
    doc = _doc(seed_text)
    assert [a.author for a in doc.articles] == ["中共石柱县委理论学习中心组", "莫远明", "曾巧", "李军锋"]
    assert [a.title for a in doc.articles] == [
        "全面彻底解决“两不愁三保障”突出问题",
        "加快发展线上业态线上服务线上管理",
        "以“党建+”引领社区治理机制创新",
        None,
    ]
    assert [len(a.paragraphs) for a in doc.articles] == [4, 4, 5, 5]
    assert [p.index for p in doc.articles[2].paragraphs] == [1, 2, 3, 4, 5]


def test_seed_notes_are_notes_and_the_header_is_in_no_paragraph(seed_text):
    doc = _doc(seed_text)
    assert (
        doc.articles[1].note
        == "（作者系重庆工商大学长江上游经济研究中心研究员、《西部论坛》常务副主编、编审）"
    )
    assert doc.articles[2].note == "（作者单位：中共沙坪坝区委党校）"
    assert doc.articles[3].note == "（作者单位：重庆生产力促进中心）"
    assert doc.header is not None and "热点观察" in doc.header
    paragraphs = [p.text for a in doc.articles for p in a.paragraphs]
    assert not any("作者单位" in p or "作者系" in p or "热点观察" in p for p in paragraphs)


def test_seed_paragraphs_are_repaired(seed_text):
    doc = _doc(seed_text)
    paragraphs = [p.text for a in doc.articles for p in a.paragraphs]
    assert not any(SPACED.search(p) for p in paragraphs)
    assert "抓实抓细脱贫攻坚各项工作，推动农村贫困面貌发生深刻变化。" in paragraphs[3]
    # A column break inside a sentence leaves no trace: "16个行" + blank + "业指挥部".
    assert "16个行业指挥部扶贫政策" in paragraphs[1]
    assert paragraphs[0].startswith("2019年4月15日至17日，习近平总书记亲临石柱视察")
    assert "精准精细开展 6 轮全覆盖集中排查" in paragraphs[0]  # the source's spaces around a number stay


def test_seed_loses_and_invents_nothing(seed_text):
    assert _squash("".join(_doc(seed_text).segments())) == _squash(seed_text)


def test_untitled_article_displays_a_fallback(seed_text):
    last = _doc(seed_text).articles[3]
    assert last.title is None
    assert display_title(last.title, last.author, "page.txt") == "李军锋文（无标题）"


# -- bylines and titles ------------------------------------------------------------------------


def test_byline_forms():
    assert match_byline("□莫远明").name == "莫远明"
    assert match_byline("文/张三").name == "张三"
    assert match_byline("作者：李四").name == "李四"
    assert match_byline("本报记者 王五 赵六").name == "王五 赵六"
    assert match_byline("记者从市教委获悉，今年") is None
    assert match_byline("重庆是直辖市。") is None


def test_title_overlap_prefers_the_article_it_names():
    assert overlap("加快发展线上业态", "我市加快发展线上业态线上服务") > overlap(
        "加快发展线上业态", "党建引领社区治理"
    )


def test_plain_text_without_markers_is_one_article_titled_by_its_heading():
    doc = _doc("重庆概况\n\n重庆是中国的直辖市之一，位于西南。\n长江和嘉陵江在这里交汇。\n", "cq.txt")
    assert len(doc.articles) == 1
    assert doc.articles[0].title == "重庆概况"
    assert [p.text for p in doc.articles[0].paragraphs] == [
        "重庆是中国的直辖市之一，位于西南。",
        "长江和嘉陵江在这里交汇。",
    ]


def test_plain_text_without_heading_is_titled_by_file_name():
    doc = _doc("重庆是中国的直辖市之一，位于西南。\n", "重庆简介.txt")
    assert doc.articles[0].title == "重庆简介"
    assert _squash("".join(doc.segments())) == _squash("重庆是中国的直辖市之一，位于西南。")


# -- other text typeset into pages -------------------------------------------------------------

NAMES = ["王小明", "李华", "张伟", "陈静", "刘洋", "赵敏", "孙立", "周婷"]
MARKERS = ["□", "文/", "作者：", "本报记者 "]
NOTES = ["（作者单位：重庆大学经济学院）", "（作者系西南政法大学教授、博士生导师）", None]


def _pieces(sample, rng: random.Random, count: int) -> list[Piece]:
    chosen = rng.sample(sample, count)
    marker = rng.choice(MARKERS)
    return [
        Piece(
            title=item["title"],
            paragraphs=item["paragraphs"],
            author=rng.choice(NAMES),
            marker=marker,
            note=rng.choice(NOTES),
        )
        for item in chosen
    ]


layouts = st.builds(
    Layout,
    width=st.integers(12, 26),
    column_height=st.integers(8, 30),
    title_after=st.booleans(),
    blank_between_paragraphs=st.booleans(),
    squeeze_punct=st.booleans(),
    spaced_share=st.sampled_from([0.0, 0.1, 0.3]),
    header=st.sampled_from([(), ("要闻",), ("热点观察", "理论周刊")]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts, seed=st.integers(0, 10_000), count=st.integers(1, 4))
def test_typeset_pages_recover_articles_exactly(sample_articles, layout, seed, count):
    """Articles, authors, titles, notes and the header are recovered exactly; each article's
    body holds exactly its own text, repaired."""
    rng = random.Random(seed)
    pieces = _pieces(sample_articles, rng, count)
    page = typeset(pieces, layout, rng)
    doc = _doc(page)

    assert [a.author for a in doc.articles] == [p.author.strip() for p in pieces], page
    assert [a.title for a in doc.articles] == [p.title for p in pieces], page
    assert [a.note for a in doc.articles] == [p.note for p in pieces], page
    for article, piece in zip(doc.articles, pieces, strict=True):
        assert _squash("".join(p.text for p in article.paragraphs)) == _squash("".join(piece.paragraphs))
        assert not any(SPACED.search(p.text) for p in article.paragraphs)
    assert (doc.header or "") == " ".join(layout.header)
    assert _squash("".join(doc.segments())) == _squash(page)


def test_typeset_pages_recover_paragraph_breaks(sample_articles):
    """Paragraph ends are inferred from layout evidence, so a few are ambiguous (a paragraph's
    last line that happens to fill the column with no blank line after it). Over 300 random
    layouts, at least 95% of articles must come back with exactly their paragraphs."""
    exact = total = 0
    for seed in range(300):
        rng = random.Random(seed)
        layout = random_layout(rng)
        pieces = _pieces(sample_articles, rng, rng.randint(1, 4))
        doc = _doc(typeset(pieces, layout, rng))
        for article, piece in zip(doc.articles, pieces, strict=True):
            total += 1
            exact += [_squash(p.text) for p in article.paragraphs] == [_squash(p) for p in piece.paragraphs]
    assert exact / total >= 0.95, f"{exact}/{total} articles with exact paragraphs"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="重庆长江经济发展，。、“”：；！？ 1a", min_size=0, max_size=40),
            st.sampled_from(["", "□张三", "（作者单位：某大学）", "文/李四", "　　缩进", "标题"]),
        ),
        max_size=40,
    )
)
def test_any_text_loses_and_invents_nothing(rows):
    text = "\n".join(rows)
    doc = _doc(text)
    assert _squash("".join(doc.segments())) == _squash(text)


def test_wide_character_classes():
    assert is_wide("中") and is_wide("，") and is_wide("“")
    assert not is_wide("a") and not is_wide("3")
