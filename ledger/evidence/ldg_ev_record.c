/* Records and the hostile-input-safe log reader (specs/evidence.md §1). */
#include "ldg_ev.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ---- records ---- */

/* The record's canonical msgpack written directly (the ingest encodes one per line, and
 * msgpack-c's packer costs a call and a buffer check per field): the forms msgpack-c
 * chooses, the smallest of each (tests/ledger/test_evidence.c compares the two). */
static uint8_t *pack_u64(uint8_t *p, uint64_t v)
{
    int n;
    if (v < 128) {
        *p++ = (uint8_t)v;
        return p;
    }
    if (v < 256)
        *p++ = 0xcc, n = 1;
    else if (v < 65536)
        *p++ = 0xcd, n = 2;
    else if (v <= UINT32_MAX)
        *p++ = 0xce, n = 4;
    else
        *p++ = 0xcf, n = 8;
    for (int i = n - 1; i >= 0; i--)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

/* A str or bin of at most 255 bytes (sources, types, hashes). */
static uint8_t *pack_short(uint8_t *p, bool str, const void *d, size_t n)
{
    LDG_ASSERT(n < 256);
    if (str && n < 32)
        *p++ = (uint8_t)(0xa0 | n);
    else
        *p++ = str ? 0xd9 : 0xc4, *p++ = (uint8_t)n;
    memcpy(p, d, n);
    return p + n;
}

size_t ldg_ev_record_pack(uint8_t out[LDG_EV_RECORD_BYTES_MAX], const ldg_ev_record *r,
                          size_t source_len)
{
    uint8_t *p = out;
    *p++ = 0x99; /* array of 9 */
    *p++ = 1;
    p = pack_short(p, false, r->subject.b, LDG_ACCOUNT_LEN);
    p = pack_short(p, true, r->source, source_len);
    p = pack_u64(p, r->offset);
    p = pack_u64(p, r->seq);
    p = pack_u64(p, r->time_ms);
    p = pack_short(p, true, r->type, strlen(r->type));
    LDG_ASSERT(r->link_count <= LDG_EV_LINKS_MAX);
    *p++ = (uint8_t)(0x90 | r->link_count);
    for (uint32_t i = 0; i < r->link_count; i++)
        p = pack_short(p, false, r->links[i].b, LDG_HASH_LEN);
    p = pack_short(p, false, r->payload_hash.b, LDG_HASH_LEN);
    return (size_t)(p - out);
}

void ldg_ev_record_encode(ldg_enc *e, const ldg_ev_record *r)
{
    uint8_t b[LDG_EV_RECORD_BYTES_MAX];
    ldg_enc_raw(e, b, ldg_ev_record_pack(b, r, strlen(r->source)));
}

static bool type_valid(const char *s, size_t n)
{
    if (n == 0 || n > LDG_EV_TYPE_LEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool ldg_ev_record_decode(ldg_ev_record *r, const uint8_t *data, size_t len)
{
    memset(r, 0, sizeof *r);
    ldg_dec d;
    if (ldg_decode(&d, data, len) != LDG_OK)
        return false;
    const msgpack_object *f, *links;
    uint64_t version;
    bool ok = ldg_obj_array(d.root, 9, &f) && ldg_obj_u64(&f[0], &version) && version == 1 &&
              ldg_obj_bin(&f[1], r->subject.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_str(&f[2], r->source, LDG_EV_SOURCE_LEN_MAX, false) &&
              ldg_obj_u64(&f[3], &r->offset) && ldg_obj_u64(&f[4], &r->seq) && r->seq >= 1 &&
              ldg_obj_u64(&f[5], &r->time_ms) &&
              ldg_obj_str(&f[6], r->type, LDG_EV_TYPE_LEN_MAX, false) &&
              type_valid(r->type, strlen(r->type)) &&
              ldg_obj_array_any(&f[7], LDG_EV_LINKS_MAX, &links, &r->link_count) &&
              ldg_obj_bin(&f[8], r->payload_hash.b, LDG_HASH_LEN);
    for (uint32_t i = 0; ok && i < r->link_count; i++)
        ok = ldg_obj_bin(&links[i], r->links[i].b, LDG_HASH_LEN);
    ldg_dec_free(&d);
    return ok;
}

void ldg_ev_record_id(ldg_hash *out, const uint8_t *record_bytes, size_t len)
{
    ldg_ev_th_at(out, LDG_EV_T_RECORD, record_bytes, len);
}

const char *ldg_ev_rerr_name(ldg_ev_rerr e)
{
    static const char *const names[] = {
        "OK",           "LINE_TOO_LONG", "TRUNCATED", "FIELDS", "TIME",     "TYPE",  "LINKS",
        "LINK_UNKNOWN", "LINK_LATER",    "EMPTY",     "IO",     "TOO_MANY", "SCHEMA"};
    return (size_t)e < LDG_ARRAY_LEN(names) ? names[e] : "UNKNOWN";
}

/* ---- one line ---- */

/* A reference as written: an id, or #N. */
typedef struct ev_ref {
    bool by_seq;
    uint64_t seq;
    ldg_hash id;
} ev_ref;

static bool parse_dec(const uint8_t *s, size_t n, size_t max_digits, uint64_t *out)
{
    if (n == 0 || n > max_digits || (n > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v))
            return false;
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const uint8_t *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DDTHH:MM:SS[.fff]Z */
static bool parse_rfc3339(const uint8_t *s, size_t n, uint64_t *out)
{
    if (n != 20 && n != 24)
        return false;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[n - 1] != 'Z' || (n == 24 && s[19] != '.'))
        return false;
    int64_t y, mo, d, h, mi, se, ms = 0;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se) ||
        (n == 24 && !digits(s + 20, 3, &ms)))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
        return false;
    int64_t days = days_from_civil(y, mo, d);
    *out = (uint64_t)(((days * 24 + h) * 60 + mi) * 60 + se) * 1000 + (uint64_t)ms;
    return true;
}

/* 9999-12-31T23:59:59.999Z */
#define TIME_MS_MAX 253402300799999ULL

static bool parse_time(const uint8_t *s, size_t n, uint64_t *out)
{
    if (n > 0 && s[0] >= '0' && s[0] <= '9' && (n < 5 || s[4] != '-'))
        return parse_dec(s, n, 15, out) && *out <= TIME_MS_MAX;
    return parse_rfc3339(s, n, out);
}

static int hexval(uint8_t c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static bool parse_ref(const uint8_t *s, size_t n, ev_ref *out)
{
    if (n >= 2 && s[0] == '#') {
        out->by_seq = true;
        return parse_dec(s + 1, n - 1, 20, &out->seq) && out->seq >= 1;
    }
    if (n != 2 * LDG_HASH_LEN)
        return false;
    out->by_seq = false;
    for (size_t i = 0; i < LDG_HASH_LEN; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out->id.b[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static ldg_ev_rerr parse_links(const uint8_t *s, size_t n, ev_ref *refs, uint32_t *count)
{
    *count = 0;
    if (n == 1 && s[0] == '-')
        return LDG_EV_ROK;
    size_t at = 0;
    while (at <= n) {
        const uint8_t *comma = memchr(s + at, ',', n - at);
        size_t end = comma ? (size_t)(comma - s) : n;
        if (*count == LDG_EV_LINKS_MAX || !parse_ref(s + at, end - at, &refs[*count]))
            return LDG_EV_LINKS;
        (*count)++;
        if (!comma)
            break;
        at = end + 1;
    }
    return *count ? LDG_EV_ROK : LDG_EV_LINKS;
}

/* The payload hash: computed by the ingest pool beforehand (ph), or here. */
static void payload_hash(ldg_ev_record *r, const uint8_t *line, size_t len, const ldg_hash *ph)
{
    if (ph)
        r->payload_hash = *ph;
    else
        ldg_ev_th_at(&r->payload_hash, LDG_EV_T_PAYLOAD, line, len);
}

/* Splits TIME, TYPE, LINKS and fills what does not need the window. */
static ldg_ev_rerr parse_fields(const uint8_t *line, size_t len, const ldg_hash *ph,
                                ldg_ev_record *r, ev_ref *refs, uint32_t *nref)
{
    const uint8_t *f[3];
    size_t fl[3], at = 0;
    for (int i = 0; i < 3; i++) {
        const uint8_t *tab = memchr(line + at, '\t', len - at);
        if (!tab)
            return LDG_EV_FIELDS;
        f[i] = line + at;
        fl[i] = (size_t)(tab - f[i]);
        at += fl[i] + 1;
    }
    if (!parse_time(f[0], fl[0], &r->time_ms))
        return LDG_EV_TIME;
    if (!type_valid((const char *)f[1], fl[1]))
        return LDG_EV_TYPE;
    memcpy(r->type, f[1], fl[1]);
    r->type[fl[1]] = '\0';
    ldg_ev_rerr e = parse_links(f[2], fl[2], refs, nref);
    if (e != LDG_EV_ROK)
        return e;
    payload_hash(r, line, len, ph);
    return LDG_EV_ROK;
}

/* The same from a jsonl or csv line (§1.4): its fields checked with lines/1's syntax. */
static ldg_ev_rerr parse_split(const ldg_ev_schema *sc, const uint8_t *line, size_t len,
                               const ldg_hash *ph, ldg_ev_record *r, ev_ref *refs, uint32_t *nref,
                               char *why, size_t why_len)
{
    ldg_ev_fields f;
    ldg_ev_rerr e = ldg_ev_split(sc, line, len, &f);
    if (e != LDG_EV_ROK) {
        snprintf(why, why_len, "%s", f.why);
        return e;
    }
    if (f.time.too_long || !parse_time(f.time.v, f.time.len, &r->time_ms))
        return LDG_EV_TIME;
    if (f.type.too_long || !type_valid((const char *)f.type.v, f.type.len))
        return LDG_EV_TYPE;
    memcpy(r->type, f.type.v, f.type.len);
    r->type[f.type.len] = '\0';
    if (f.links.too_long || (e = parse_links(f.links.v, f.links.len, refs, nref)) != LDG_EV_ROK)
        return LDG_EV_LINKS;
    payload_hash(r, line, len, ph);
    return LDG_EV_ROK;
}

ldg_ev_rerr ldg_ev_parse_line(const uint8_t *line, size_t len, ldg_ev_record *r)
{
    memset(r, 0, sizeof *r);
    if (len > LDG_EV_LINE_MAX)
        return LDG_EV_LINE_TOO_LONG;
    ev_ref refs[LDG_EV_LINKS_MAX];
    uint32_t n;
    ldg_ev_rerr e = parse_fields(line, len, NULL, r, refs, &n);
    if (e != LDG_EV_ROK)
        return e;
    for (uint32_t i = 0; i < n; i++) {
        if (refs[i].by_seq)
            return LDG_EV_LINK_UNKNOWN;
        r->links[r->link_count++] = refs[i].id;
    }
    return LDG_EV_ROK;
}

/* ---- the streaming reader ---- */

#define IO_CHUNK (1u << 20)

typedef struct ev_recent {
    ldg_hash id;
    uint64_t time_ms;
} ev_recent;

struct ldg_ev_reader {
    FILE *f;
    ldg_account subject;
    char source[LDG_EV_SOURCE_LEN_MAX + 1];
    size_t source_len;
    ldg_ev_lookup_fn lookup;
    void *lookup_arg;
    uint8_t *buf; /* IO_CHUNK + LDG_EV_LINE_MAX + 1 bytes */
    size_t start, end;
    bool eof, failed;
    uint64_t seq, offset; /* of the next line */
    ev_recent *recent;    /* LDG_EV_LINK_WINDOW entries, by seq % window */
    EVP_MD_CTX *sha;
    uint8_t rec[LDG_EV_RECORD_BYTES_MAX]; /* the last record's bytes */
    size_t rec_len;
    char error[256];
    ldg_ev_schema *schema; /* NULL: lines/1 */
    bool header;           /* csv: the next line is the header */
    uint64_t records;
    char why[160];
    uint8_t dbatch[128 * LDG_HASH_LEN]; /* payload hashes not yet in the file digest */
    unsigned nd;
};

/* The file digest (§2.2) is SHA-256 over the payload hash of every line: the payload hash
 * is computed anyway, so the file is not hashed a second time. Batched: one update per 128
 * lines. */
static void digest_add(ldg_ev_reader *rd, const ldg_hash *h)
{
    memcpy(rd->dbatch + rd->nd * LDG_HASH_LEN, h->b, LDG_HASH_LEN);
    if (++rd->nd == sizeof rd->dbatch / LDG_HASH_LEN) {
        EVP_DigestUpdate(rd->sha, rd->dbatch, sizeof rd->dbatch);
        rd->nd = 0;
    }
}

void ldg_ev_reader_set_schema(ldg_ev_reader *rd, const ldg_ev_schema *s)
{
    if (!rd->schema)
        rd->schema = malloc(sizeof *rd->schema);
    LDG_ASSERT(rd->schema);
    *rd->schema = *s;
    rd->header = s->format == LDG_EV_FMT_CSV && s->ncolumns == 0;
}

static bool source_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LDG_EV_SOURCE_LEN_MAX || !ldg_utf8_valid((const uint8_t *)s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

ldg_ev_reader *ldg_ev_reader_new(FILE *f, const ldg_account *subject, const char *source,
                                 ldg_ev_lookup_fn lookup, void *lookup_arg)
{
    if (!source_valid(source))
        return NULL;
    ldg_ev_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return NULL;
    rd->buf = malloc(IO_CHUNK + LDG_EV_LINE_MAX + 1);
    rd->recent = calloc(LDG_EV_LINK_WINDOW, sizeof *rd->recent);
    rd->sha = EVP_MD_CTX_new();
    if (!rd->buf || !rd->recent || !rd->sha || !EVP_DigestInit_ex(rd->sha, EVP_sha256(), NULL)) {
        ldg_ev_reader_free(rd);
        return NULL;
    }
    rd->f = f;
    /* A log is read once, front to back: a larger read-ahead (no effect on a pipe or memory). */
    if (fileno(f) >= 0)
        (void)posix_fadvise(fileno(f), 0, 0, POSIX_FADV_SEQUENTIAL);
    rd->subject = *subject;
    snprintf(rd->source, sizeof rd->source, "%s", source);
    rd->source_len = strlen(rd->source);
    rd->lookup = lookup;
    rd->lookup_arg = lookup_arg;
    rd->seq = 1;
    return rd;
}

void ldg_ev_reader_free(ldg_ev_reader *rd)
{
    if (!rd)
        return;
    free(rd->buf);
    free(rd->recent);
    free(rd->schema);
    EVP_MD_CTX_free(rd->sha);
    free(rd);
}

const char *ldg_ev_reader_error(const ldg_ev_reader *rd)
{
    return rd->error;
}

void ldg_ev_reader_digest(ldg_ev_reader *rd, ldg_hash *out)
{
    EVP_DigestUpdate(rd->sha, rd->dbatch, rd->nd * LDG_HASH_LEN);
    rd->nd = 0;
    unsigned int n = 0;
    EVP_DigestFinal_ex(rd->sha, out->b, &n);
    LDG_ASSERT(n == LDG_HASH_LEN);
}

static ldg_ev_rerr fail(ldg_ev_reader *rd, ldg_ev_rerr e, const char *what)
{
    if (rd->why[0] && (e == LDG_EV_FIELDS || e == LDG_EV_SCHEMA_FIELD))
        what = rd->why; /* the format's own sentence */
    rd->failed = true;
    snprintf(rd->error, sizeof rd->error, "line %llu (byte offset %llu): %s: %s",
             (unsigned long long)rd->seq, (unsigned long long)rd->offset, ldg_ev_rerr_name(e),
             what);
    return e;
}

/* Makes [start, end) hold a whole line or everything left. */
static ldg_ev_rerr fill(ldg_ev_reader *rd, const uint8_t **nl)
{
    for (;;) {
        *nl = memchr(rd->buf + rd->start, '\n', rd->end - rd->start);
        if (*nl || rd->eof)
            return LDG_EV_ROK;
        if (rd->end - rd->start > LDG_EV_LINE_MAX)
            return LDG_EV_LINE_TOO_LONG;
        memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
        rd->end -= rd->start;
        rd->start = 0;
        size_t got = fread(rd->buf + rd->end, 1, IO_CHUNK, rd->f);
        if (got < IO_CHUNK) {
            if (ferror(rd->f))
                return LDG_EV_IO;
            rd->eof = true;
        }
        rd->end += got;
    }
}

static ldg_ev_rerr resolve(ldg_ev_reader *rd, const ev_ref *ref, uint64_t time_ms, ldg_hash *out)
{
    uint64_t t;
    if (ref->by_seq) {
        if (ref->seq >= rd->seq || rd->seq - ref->seq > LDG_EV_LINK_WINDOW)
            return LDG_EV_LINK_UNKNOWN;
        const ev_recent *e = &rd->recent[ref->seq % LDG_EV_LINK_WINDOW];
        *out = e->id;
        t = e->time_ms;
    } else {
        *out = ref->id;
        if (!rd->lookup || !rd->lookup(rd->lookup_arg, &ref->id, &t))
            return LDG_EV_LINK_UNKNOWN;
    }
    return t <= time_ms ? LDG_EV_ROK : LDG_EV_LINK_LATER;
}

static const char *sentence(ldg_ev_rerr e)
{
    switch (e) {
    case LDG_EV_LINE_TOO_LONG:
        return "the line is longer than 65536 bytes";
    case LDG_EV_TRUNCATED:
        return "the last line has no newline: the file may be truncated";
    case LDG_EV_FIELDS:
        return "a line needs TIME, TYPE, LINKS and PAYLOAD separated by tabs";
    case LDG_EV_TIME:
        return "TIME is neither milliseconds since 1970 nor YYYY-MM-DDTHH:MM:SS[.fff]Z";
    case LDG_EV_TYPE:
        return "TYPE must be 1 to 32 of a-z 0-9 . _ -";
    case LDG_EV_LINKS:
        return "LINKS must be - or 1 to 8 comma-separated 64-hex ids or #LINE";
    case LDG_EV_LINK_UNKNOWN:
        return "a link names no earlier record known here";
    case LDG_EV_LINK_LATER:
        return "a linked record's time is after this record's";
    case LDG_EV_EMPTY:
        return "the file holds no line";
    case LDG_EV_IO:
        return "the file cannot be read";
    case LDG_EV_TOO_MANY:
        return "the file has more lines than a source may have";
    case LDG_EV_SCHEMA_FIELD:
        return "a field the schema requires is missing";
    default:
        return "?";
    }
}

static ldg_ev_rerr build(ldg_ev_reader *rd, const uint8_t *line, size_t len, const ldg_hash *ph,
                         ldg_ev_record *r, ldg_hash *id)
{
    /* Every field is set below (links up to link_count): no memset of the ~700-byte record
     * per line. */
    r->link_count = 0;
    ev_ref refs[LDG_EV_LINKS_MAX];
    uint32_t n;
    ldg_ev_rerr e =
        rd->schema ? parse_split(rd->schema, line, len, ph, r, refs, &n, rd->why, sizeof rd->why)
                   : parse_fields(line, len, ph, r, refs, &n);
    for (uint32_t i = 0; e == LDG_EV_ROK && i < n; i++)
        e = resolve(rd, &refs[i], r->time_ms, &r->links[r->link_count++]);
    if (e != LDG_EV_ROK)
        return e;
    digest_add(rd, &r->payload_hash);
    r->subject = rd->subject;
    memcpy(r->source, rd->source, rd->source_len + 1);
    r->offset = rd->offset;
    r->seq = rd->seq;
    rd->rec_len = ldg_ev_record_pack(rd->rec, r, rd->source_len);
    ldg_ev_record_id(id, rd->rec, rd->rec_len);
    rd->recent[rd->seq % LDG_EV_LINK_WINDOW] = (ev_recent){*id, r->time_ms};
    return LDG_EV_ROK;
}

ldg_ev_rerr ldg_ev_reader_next(ldg_ev_reader *rd, ldg_ev_record *r, const uint8_t **bytes,
                               size_t *bytes_len, const uint8_t **line, size_t *line_len,
                               ldg_hash *id, bool *done)
{
    *done = false;
    if (rd->failed)
        return fail(rd, LDG_EV_IO, "the reader already failed");
    const uint8_t *nl;
    ldg_ev_rerr e = fill(rd, &nl);
    if (e != LDG_EV_ROK)
        return fail(rd, e, sentence(e));
    size_t avail = rd->end - rd->start;
    if (!nl) {
        if (avail > 0)
            return fail(rd, LDG_EV_TRUNCATED, sentence(LDG_EV_TRUNCATED));
        if (rd->records == 0)
            return fail(rd, LDG_EV_EMPTY, sentence(LDG_EV_EMPTY));
        *done = true;
        return LDG_EV_ROK;
    }
    size_t len = (size_t)(nl - (rd->buf + rd->start));
    if (len > LDG_EV_LINE_MAX)
        return fail(rd, LDG_EV_LINE_TOO_LONG, sentence(LDG_EV_LINE_TOO_LONG));
    if (rd->seq > LDG_EV_FILE_RECORDS_MAX)
        return fail(rd, LDG_EV_TOO_MANY, sentence(LDG_EV_TOO_MANY));
    *line = rd->buf + rd->start;
    *line_len = len;
    if (rd->header) { /* csv: the header names the columns; it is no record */
        rd->header = false;
        e = ldg_ev_csv_header(rd->schema, *line, len, rd->why, sizeof rd->why);
        if (e != LDG_EV_ROK)
            return fail(rd, e, rd->why);
        ldg_hash h;
        ldg_ev_th(&h, LDG_TAG_EV_PAYLOAD, *line, len);
        digest_add(rd, &h);
        rd->start += len + 1;
        rd->offset += len + 1;
        rd->seq++;
        return ldg_ev_reader_next(rd, r, bytes, bytes_len, line, line_len, id, done);
    }
    e = build(rd, *line, len, NULL, r, id);
    if (e != LDG_EV_ROK)
        return fail(rd, e, sentence(e));
    *bytes = rd->rec;
    *bytes_len = rd->rec_len;
    rd->start += len + 1;
    rd->offset += len + 1;
    rd->seq++;
    rd->records++;
    return LDG_EV_ROK;
}

/* ---- batches, for the parallel ingest (ldg_ev_slice.c) ---- */

/* Ends a read that found no further line in the buffer: refills it, or reports the end. */
static ldg_ev_rerr batch_refill(ldg_ev_reader *rd, bool *done)
{
    const uint8_t *nl;
    ldg_ev_rerr e = fill(rd, &nl);
    if (e != LDG_EV_ROK)
        return fail(rd, e, sentence(e));
    if (nl)
        return LDG_EV_ROK;
    if (rd->end > rd->start)
        return fail(rd, LDG_EV_TRUNCATED, sentence(LDG_EV_TRUNCATED));
    if (rd->records == 0)
        return fail(rd, LDG_EV_EMPTY, sentence(LDG_EV_EMPTY));
    *done = true;
    return LDG_EV_ROK;
}

ldg_ev_rerr ldg_ev_reader_batch(ldg_ev_reader *rd, ldg_ev_batch *b, bool *done)
{
    *done = false;
    b->n = b->next = 0;
    if (rd->failed)
        return fail(rd, LDG_EV_IO, "the reader already failed");
    while (b->n < LDG_EV_BATCH_LINES) {
        const uint8_t *p = rd->buf + rd->start, *nl = memchr(p, '\n', rd->end - rd->start);
        if (!nl) {
            if (b->n) /* take these first: a refill moves the buffer */
                return LDG_EV_ROK;
            ldg_ev_rerr e = batch_refill(rd, done);
            if (e != LDG_EV_ROK || *done)
                return e;
            continue;
        }
        size_t len = (size_t)(nl - p);
        if (len > LDG_EV_LINE_MAX || rd->seq + b->n > LDG_EV_FILE_RECORDS_MAX) {
            if (b->n)
                return LDG_EV_ROK; /* the error is this line's: reported once these are taken */
            ldg_ev_rerr e = len > LDG_EV_LINE_MAX ? LDG_EV_LINE_TOO_LONG : LDG_EV_TOO_MANY;
            return fail(rd, e, sentence(e));
        }
        b->line[b->n] = p;
        b->len[b->n++] = len;
        rd->start += len + 1;
    }
    return LDG_EV_ROK;
}

void ldg_ev_batch_hash(ldg_ev_batch *b, size_t from, size_t to)
{
    for (size_t i = from; i < to && i < b->n; i++)
        ldg_ev_th_at(&b->ph[i], LDG_EV_T_PAYLOAD, b->line[i], b->len[i]);
}

ldg_ev_rerr ldg_ev_reader_take(ldg_ev_reader *rd, ldg_ev_batch *b, ldg_ev_record *r,
                               const uint8_t **bytes, size_t *bytes_len, const uint8_t **line,
                               size_t *line_len, ldg_hash *id, bool *skip)
{
    LDG_ASSERT(b->next < b->n && !rd->failed);
    size_t i = b->next++;
    *line = b->line[i];
    *line_len = b->len[i];
    *skip = rd->header;
    if (rd->header) { /* csv: the header names the columns; it is no record */
        rd->header = false;
        ldg_ev_rerr e = ldg_ev_csv_header(rd->schema, *line, *line_len, rd->why, sizeof rd->why);
        if (e != LDG_EV_ROK)
            return fail(rd, e, rd->why);
        digest_add(rd, &b->ph[i]);
    } else {
        ldg_ev_rerr e = build(rd, *line, *line_len, &b->ph[i], r, id);
        if (e != LDG_EV_ROK)
            return fail(rd, e, sentence(e));
        *bytes = rd->rec;
        *bytes_len = rd->rec_len;
        rd->records++;
    }
    rd->offset += *line_len + 1;
    rd->seq++;
    return LDG_EV_ROK;
}
