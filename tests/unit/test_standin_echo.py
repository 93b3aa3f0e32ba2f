"""The stand-in's echo answer: any draft gets a generic article that carries back all its tokens, in order,
and passes every check (so tests can push any draft end to end)."""
from __future__ import annotations

from wp_seo_bridge.extract import extract
from wp_seo_bridge.markup.tokens import referenced_tokens
from wp_seo_bridge.model import Article
from wp_seo_bridge.pipeline import judge
from wp_seo_bridge.rewrite import build_messages
from wp_seo_bridge.standin.echo import echo_article


def test_every_token_comes_back_once_in_order_and_the_checks_pass():
    md = "# T\n\n" + "\n\n".join(f"Point {i} : [un lien à suivre]({'https://ex.fr/'}{i}) et "
                                 f"![image]({'https://i.fr/'}{i}.png)." for i in range(40))
    for content in (md, "Un texte sans rien.", "<p>Un <a href=\"https://x.fr\">lien</a>.</p>"):
        source = extract(content, "Titre")
        article = Article.model_validate(echo_article(build_messages(source)))
        assert referenced_tokens(article) == list(source.protected)
        report = judge(article, source)
        assert report.passed, [(f.code, f.message) for f in report.failures]
