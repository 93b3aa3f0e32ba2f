"""A Gutenberg draft (a village's bread festival) and each element extract must protect, as written."""
from __future__ import annotations

IMAGE = ('<!-- wp:image {"id":57,"sizeSlug":"large"} -->\n<figure class="wp-block-image size-large">'
         '<img src="https://example.org/four.jpg" alt="Le four banal" class="wp-image-57"/>'
         '<figcaption class="wp-element-caption">Le four restauré en 2024.</figcaption></figure>\n<!-- /wp:image -->')
EMBED = ('<!-- wp:embed {"url":"https://www.youtube.com/watch?v=abc","type":"video"} -->\n'
         '<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">\n'
         'https://www.youtube.com/watch?v=abc\n</div></figure>\n<!-- /wp:embed -->')
TABLE = ('<!-- wp:table -->\n<figure class="wp-block-table"><table><tbody><tr><td>7 h</td><td>Allumage</td></tr>'
         '</tbody></table></figure>\n<!-- /wp:table -->')
SHORTCODE = '<!-- wp:shortcode -->\n[gallery ids="12,13"]\n<!-- /wp:shortcode -->'
LINK = '<a href="https://amis.example.org/fete" target="_blank" rel="noopener">le site</a>'
THIRD_PARTY = '<!-- wp:acme/map {"lat":44.1} /-->'
GUTENBERG = "\n\n".join([
    "<!-- wp:paragraph -->\n<p>Le four reprend du service. Programme sur " + LINK + ".</p>\n<!-- /wp:paragraph -->",
    IMAGE,
    "<!-- wp:heading -->\n<h2>Le programme</h2>\n<!-- /wp:heading -->",
    TABLE, EMBED, SHORTCODE, THIRD_PARTY,
    "<!-- wp:list -->\n<ul><!-- wp:list-item -->\n<li>Pain de seigle</li>\n<!-- /wp:list-item --></ul>\n"
    "<!-- /wp:list -->",
    "<!-- wp:quote -->\n<blockquote class=\"wp-block-quote\"><!-- wp:paragraph -->\n"
    "<p>Ce four a nourri le village.</p>\n"
    "<!-- /wp:paragraph --><cite>Marcel Vidal</cite></blockquote>\n<!-- /wp:quote -->",
])
