#!/usr/bin/env python3
"""Writes a WordPress export (WXR 1.2) of N posts of original filler text, for the import
benchmark (bench/import.sh): a few authors, categories and tags, Gutenberg paragraphs and
headings, one classic post in ten, no images.

    python3 bench/wxr.py 100000 > /tmp/wxr-100k.xml
"""

import random
import sys

WORDS = (
    "harbour council tram ferry quay market budget school river bridge night shift port "
    "crane street mayor vote plan depot station square fishing season weather storm ward "
    "library festival theatre museum hospital clinic bakery cafe tide lighthouse island"
).split()
AUTHORS = [("ana", "Ana Ribeiro"), ("tferreira", "Tomás Ferreira"), ("iokafor", "Inês Okafor"), ("mlima", "Marta Lima")]
CATEGORIES = [("city", "City"), ("politics", "Politics"), ("sport", "Sport"), ("culture", "Culture"), ("business", "Business")]
TAGS = [("trams", "Trams"), ("ferries", "Ferries"), ("schools", "Schools"), ("weather", "Weather"), ("elections", "Elections"), ("food-drink", "Food &amp; drink")]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng):
    return " ".join(sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 5)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rng = random.Random(19)
    out = sys.stdout
    out.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
              'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n<title>The Benchmark Courier</title>\n'
              '<link>https://bench.example</link>\n<wp:wxr_version>1.2</wp:wxr_version>\n')
    for login, name in AUTHORS:
        out.write(f"<wp:author><wp:author_login><![CDATA[{login}]]></wp:author_login>"
                  f"<wp:author_display_name><![CDATA[{name}]]></wp:author_display_name></wp:author>\n")
    for i in range(1, n + 1):
        title = sentence(rng, rng.randint(4, 9))[:-1]
        slug = f"story-{i}"
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        year = 2010 + (i // 336) % 16
        if i % 10 == 0:
            body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(3, 8)))
        else:
            parts = []
            for k in range(rng.randint(3, 8)):
                if k == 2:
                    parts.append(f'<!-- wp:heading -->\n<h2 class="wp-block-heading">{sentence(rng, 5)[:-1]}</h2>\n<!-- /wp:heading -->')
                parts.append(f"<!-- wp:paragraph -->\n<p>{paragraph(rng)}</p>\n<!-- /wp:paragraph -->")
            body = "\n\n".join(parts)
        cat = CATEGORIES[i % len(CATEGORIES)]
        tags = rng.sample(TAGS, rng.randint(0, 3))
        author = AUTHORS[i % len(AUTHORS)][0]
        out.write("<item>\n")
        out.write(f"<title><![CDATA[{title}]]></title>\n<link>https://bench.example/{year}/{month:02}/{day:02}/{slug}/</link>\n")
        out.write(f"<dc:creator><![CDATA[{author}]]></dc:creator>\n")
        out.write(f"<content:encoded><![CDATA[{body}]]></content:encoded>\n")
        out.write(f"<excerpt:encoded><![CDATA[{sentence(rng, 12)}]]></excerpt:encoded>\n")
        out.write(f"<wp:post_id>{i}</wp:post_id>\n<wp:post_date_gmt><![CDATA[{year}-{month:02}-{day:02} 08:00:00]]></wp:post_date_gmt>\n")
        out.write(f"<wp:post_name><![CDATA[{slug}]]></wp:post_name>\n<wp:status><![CDATA[publish]]></wp:status>\n")
        out.write("<wp:post_type><![CDATA[post]]></wp:post_type>\n")
        out.write(f'<category domain="category" nicename="{cat[0]}"><![CDATA[{cat[1]}]]></category>\n')
        for t in tags:
            out.write(f'<category domain="post_tag" nicename="{t[0]}"><![CDATA[{t[1]}]]></category>\n')
        out.write("</item>\n")
    out.write("</channel>\n</rss>\n")


if __name__ == "__main__":
    main()
