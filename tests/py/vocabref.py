"""Independent Python references for the vocabulary tests: GPT-2's bytes_to_unicode, the paper's
category rule with unicodedata (Wen-Yi & Mimno, scripts/vocab_categories.py), the display form
of pieces (bytes that are not valid UTF-8 as <0xNN>), and a reader for the categorize TSV."""
import collections
import json
import lzma
import unicodedata


def bytes_to_unicode():
    """GPT-2 (openai/gpt-2 encoder.py): byte -> printable character."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_DECODER = {c: b for b, c in bytes_to_unicode().items()}


def bytelevel_decode(piece):
    """Bytes of a byte-level piece with spaces shown as U+2581, or None when a character is not
    in the byte alphabet."""
    try:
        raw = bytes(BYTE_DECODER[c] for c in piece)
    except KeyError:
        return None
    return raw.replace(b" ", "\u2581".encode())


def load_tokenizer_json(src_xz, dst):
    """Unpacks an xz-compressed tokenizer.json fixture to dst; returns its parsed JSON."""
    with lzma.open(src_xz, "rb") as f, open(dst, "wb") as g:
        g.write(f.read())
    with open(dst, encoding="utf-8") as f:
        return json.load(f)


def raw_pieces(tj, bytelevel):
    """Reference bytes by id of a parsed tokenizer.json: the model.vocab pieces (decoded through
    bytes_to_unicode when byte-level; None for a piece outside that alphabet), then the added
    tokens as written."""
    raw = {}
    for piece, i in tj["model"]["vocab"].items():
        raw[i] = bytelevel_decode(piece) if bytelevel else piece.encode("utf-8")
    for a in tj["added_tokens"]:
        raw[a["id"]] = a["content"].encode("utf-8")
    return raw


def display(raw):
    """Valid UTF-8 kept; every byte of an invalid sequence, and NUL, as <0xNN>."""
    out = []
    i = 0
    while i < len(raw):
        try:
            out.append(raw[i:].decode("utf-8"))
            break
        except UnicodeDecodeError as e:
            out.append(raw[i:i + e.start].decode("utf-8"))
            out.extend("<0x%02X>" % b for b in raw[i + e.start:i + e.end])
            i += e.end
    return "".join(out).replace("\x00", "<0x00>")


def is_utf8(raw):
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def paper_category(text):
    """The paper's rule: per character, letters by the first word of their name, anything else
    by the first letter of the general category; most frequent, ties to the first seen."""
    vals = []
    for c in text:
        cat = unicodedata.category(c)
        if cat.startswith("L"):
            vals.append(unicodedata.name(c).split()[0])
        else:
            vals.append(cat[0])
    if not vals:
        return "Unknown"
    return collections.Counter(vals).most_common(1)[0][0]


def unknown_to_python(text):
    """True when the piece holds a character this Python's Unicode database does not know."""
    return any(unicodedata.category(c) == "Cn" for c in text)


def unescape(s):
    out = []
    i = 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[s[i + 1]])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def read_tsv(text):
    """Rows (id, category, token) of a categorize TSV; checks the header and dense ids."""
    lines = text.split("\n")
    assert lines[0] == "id\tcategory\ttoken", lines[0]
    assert lines[-1] == "", "no final newline"
    rows = []
    for k, line in enumerate(lines[1:-1]):
        i, cat, tok = line.split("\t")
        assert int(i) == k, (i, k)
        rows.append((cat, unescape(tok)))
    return rows
