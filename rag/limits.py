"""Input limits, in one place: what a client may send and what one article may hold.

Every bound a user can run into is here, so the API, the CLI and the messages they give
agree. Sizes are chosen far above real news (the longest of 2,225 BBC articles has 4,432
words, about 200 sentences) and far below what would stall a 2-core server.
"""

from __future__ import annotations

QUESTION_CHARS = 2000
HISTORY_TURNS = 20
TURN_CHARS = 8000
# OpenAI clients send system and tool messages too; the history keeps only the last turns.
CHAT_MESSAGES = 41
TITLE_CHARS = 500
OUTLET_CHARS = 200
AUTHOR_CHARS = 300
DOCUMENT_ID_CHARS = 200
FILTER_VALUES = 1000  # outlets or document ids in one filter
PUBLISHED_CHARS = 100
URL_CHARS = 2000
ARTICLE_CHARS = 5_000_000
ARTICLE_FILE_BYTES = 10 * 1024 * 1024
# Each sentence is embedded: 3,000 sentences take about 30 s on 2 cores, a book chapter
# or two, and ten times the longest article in the BBC archive.
ARTICLE_SENTENCES = 3000
# HTML pages go through trafilatura, which spends about 0.25 ms per element on a 2-core
# machine: 25,000 elements (a long live blog saved from a browser has a few thousand) take
# about 6 s; a 1 MB page of 200,000 empty paragraphs would take 50 s, so it is refused.
PAGE_ELEMENTS = 25_000
# A JSON Lines export or a feed file holds many articles, each within the limits above.
EXPORT_FILE_BYTES = 256 * 1024 * 1024
