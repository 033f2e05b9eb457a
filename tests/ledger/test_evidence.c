/* Evidence preservation (ledger/evidence, specs/evidence.md): RFC 9162 trees against a
 * vector computed with Python hashlib, every inclusion and consistency proof of small trees
 * (and their tampered forms refused), the peaks of the subject log, the log reader on good
 * and hostile input, the anchor transaction through the executor, and a bundle verified
 * from the genesis and refused in each tampered form. */
#include "testlib.h"

#include "ldg_block.h"
#include "ldg_chain.h"
#include "ldg_ev.h"
#include "ldg_exec.h"
#include "net_node.h"

#include <openssl/evp.h>
#include <zstd.h>

#define CHAIN "folio-ev"
#define NOW_MS 1800000000000ULL

static void leaf_of(ldg_hash *out, uint32_t i)
{
    uint8_t m[64];
    memset(m, (int)i, sizeof m);
    ldg_tagged_hash(out, LDG_TAG_EV_LEAF, m, sizeof m);
}

/* ---- trees ---- */

START_TEST(root_vector)
{
    ldg_hash l[3], r;
    for (uint32_t i = 0; i < 3; i++)
        leaf_of(&l[i], i);
    char hex[65];
    ldg_ev_root(&r, l, 3);
    ldg_hex_encode(hex, r.b, 32);
    /* Python: th("folio/ev-node", th("folio/ev-node", l0 + l1) + l2) */
    ck_assert_str_eq(hex, "2dfdc0ba9c3ff9d9ebcf816d043a19cd62b6f116efb4ef64d5a0f16eaba2a14d");
    ldg_ev_root(&r, NULL, 0);
    ldg_hex_encode(hex, r.b, 32);
    ck_assert_str_eq(hex, "f008a3bc885d881bdb43cc5d59d78105961b25578ecb222fc9b87a1c6bdf1b7f");
}
END_TEST

START_TEST(inclusion_all)
{
    enum { N = 40 };
    ldg_hash l[N], root, path[LDG_EV_PATH_MAX];
    for (uint32_t i = 0; i < N; i++)
        leaf_of(&l[i], i);
    for (size_t n = 1; n <= N; n++) {
        ldg_ev_root(&root, l, n);
        for (size_t m = 0; m < n; m++) {
            size_t pl = ldg_ev_path(path, l, n, m);
            ck_assert(ldg_ev_path_verify(&l[m], m, n, path, pl, &root));
            if (n > 1) {
                ck_assert(!ldg_ev_path_verify(&l[m], (m + 1) % n, n, path, pl, &root));
                ck_assert(!ldg_ev_path_verify(&l[m], m, n, path, pl - 1, &root));
                path[pl / 2].b[0] ^= 1;
                ck_assert(!ldg_ev_path_verify(&l[m], m, n, path, pl, &root));
            }
            ck_assert(!ldg_ev_path_verify(&l[(m + 1) % N], m, n, path, pl, &root) || n == 1);
        }
    }
}
END_TEST

START_TEST(consistency_all)
{
    enum { N = 33 };
    ldg_hash l[N], rm, rn, proof[LDG_EV_PATH_MAX];
    for (uint32_t i = 0; i < N; i++)
        leaf_of(&l[i], i);
    for (size_t n = 1; n <= N; n++) {
        ldg_ev_root(&rn, l, n);
        for (size_t m = 1; m <= n; m++) {
            ldg_ev_root(&rm, l, m);
            size_t pl = ldg_ev_consistency(proof, l, n, m);
            ck_assert_msg(ldg_ev_consistency_verify(m, n, &rm, &rn, proof, pl), "%zu->%zu", m, n);
            if (m < n) {
                ck_assert(!ldg_ev_consistency_verify(m, n, &rn, &rn, proof, pl));
                proof[0].b[5] ^= 1;
                ck_assert(!ldg_ev_consistency_verify(m, n, &rm, &rn, proof, pl));
            }
        }
    }
    ck_assert(!ldg_ev_consistency_verify(0, 1, &rm, &rn, proof, 0));
}
END_TEST

START_TEST(peaks_match_root)
{
    ldg_hash l[100], want, got;
    ldg_ev_peaks pk = {0};
    for (uint32_t i = 0; i < 100; i++) {
        leaf_of(&l[i], i);
        ldg_ev_peaks_root_with(&pk, &l[i], &got);
        ldg_ev_peaks_append(&pk, &l[i]);
        ldg_ev_root(&want, l, i + 1);
        ck_assert_mem_eq(got.b, want.b, 32);
        ldg_ev_peaks_root(&pk, &got);
        ck_assert_mem_eq(got.b, want.b, 32);
        ck_assert_uint_eq(pk.count, (uint32_t)__builtin_popcountll(i + 1));
    }
}
END_TEST

/* ---- the reader ---- */

typedef struct rd_out {
    ldg_ev_rerr err;
    size_t records;
    ldg_ev_record last;
    ldg_hash ids[16];
    char error[256];
} rd_out;

static rd_out read_text(const char *text, size_t len)
{
    rd_out o = {0};
    FILE *f = fmemopen((void *)text, len, "r");
    ck_assert_ptr_nonnull(f);
    ldg_account subject = {{7}};
    ldg_ev_reader *rd = ldg_ev_reader_new(f, &subject, "broker.log", NULL, NULL);
    ck_assert_ptr_nonnull(rd);
    for (;;) {
        const uint8_t *b, *line;
        size_t bl, ll;
        bool done;
        ldg_hash id;
        o.err = ldg_ev_reader_next(rd, &o.last, &b, &bl, &line, &ll, &id, &done);
        if (o.err != LDG_EV_ROK || done)
            break;
        ldg_hash again;
        ldg_ev_record_id(&again, b, bl);
        ck_assert_mem_eq(again.b, id.b, 32);
        ldg_ev_record back;
        ck_assert(ldg_ev_record_decode(&back, b, bl));
        if (o.records < 16)
            o.ids[o.records] = id;
        o.records++;
    }
    snprintf(o.error, sizeof o.error, "%s", ldg_ev_reader_error(rd));
    ldg_ev_reader_free(rd);
    fclose(f);
    return o;
}

static ldg_ev_rerr read_err(const char *text)
{
    return read_text(text, strlen(text)).err;
}

/* The record packer writes what msgpack-c writes field by field (the canonical encoding),
 * at every length boundary of its integers, strings and link counts. */
START_TEST(record_pack_matches_msgpack)
{
    static const uint64_t ints[] = {
        0, 1, 127, 128, 255, 256, 65535, 65536, UINT32_MAX, 1ULL + UINT32_MAX, UINT64_MAX};
    static const size_t slen[] = {1, 31, 32, 255}, tlen[] = {1, 31, 32};
    size_t n = LDG_ARRAY_LEN(ints);
    for (size_t k = 0; k < 4 * 3 * n; k++) {
        ldg_ev_record r = {.subject = {{(uint8_t)k, 2}}};
        memset(r.source, 'a' + (int)(k % 26), slen[k % 4]);
        memset(r.type, 'b', tlen[k / 4 % 3]);
        r.offset = ints[k % n], r.seq = ints[(k + 3) % n], r.time_ms = ints[(k + 7) % n];
        r.link_count = (uint32_t)(k % (LDG_EV_LINKS_MAX + 1));
        for (uint32_t i = 0; i < r.link_count; i++)
            r.links[i].b[0] = (uint8_t)(i + 1);
        r.payload_hash.b[31] = 9;
        ldg_enc ref, got;
        ldg_enc_init(&ref), ldg_enc_init(&got);
        ldg_enc_array(&ref, 9);
        ldg_enc_u64(&ref, 1);
        ldg_enc_bin(&ref, r.subject.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(&ref, r.source);
        ldg_enc_u64(&ref, r.offset);
        ldg_enc_u64(&ref, r.seq);
        ldg_enc_u64(&ref, r.time_ms);
        ldg_enc_str(&ref, r.type);
        ldg_enc_array(&ref, r.link_count);
        for (uint32_t i = 0; i < r.link_count; i++)
            ldg_enc_bin(&ref, r.links[i].b, LDG_HASH_LEN);
        ldg_enc_bin(&ref, r.payload_hash.b, LDG_HASH_LEN);
        ldg_ev_record_encode(&got, &r);
        ck_assert_uint_eq(ldg_enc_len(&got), ldg_enc_len(&ref));
        ck_assert_mem_eq(ldg_enc_data(&got), ldg_enc_data(&ref), ldg_enc_len(&ref));
        ck_assert_uint_le(ldg_enc_len(&got), LDG_EV_RECORD_BYTES_MAX);
        ldg_enc_free(&ref), ldg_enc_free(&got);
    }
}
END_TEST

START_TEST(reader_good)
{
    const char *t = "1800000000000\tdisclosure\t-\tinvestor=alice isin=CNE100000296\n"
                    "2027-01-15T08:00:00.250Z\tack\t#1\tinvestor=alice\n"
                    "1800000000500\tpurchase\t#2,#1\tqty=100\twith a tab\n";
    rd_out o = read_text(t, strlen(t));
    ck_assert_int_eq(o.err, LDG_EV_ROK);
    ck_assert_uint_eq(o.records, 3);
    ck_assert_uint_eq(o.last.seq, 3);
    ck_assert_uint_eq(o.last.link_count, 2);
    ck_assert_mem_eq(o.last.links[0].b, o.ids[1].b, 32);
    ck_assert_mem_eq(o.last.links[1].b, o.ids[0].b, 32);
    ck_assert_uint_eq(o.last.offset,
                      strlen("1800000000000\tdisclosure\t-\tinvestor=alice isin=CNE100000296\n"
                             "2027-01-15T08:00:00.250Z\tack\t#1\tinvestor=alice\n"));
    ldg_hash ph;
    const char *l3 = "1800000000500\tpurchase\t#2,#1\tqty=100\twith a tab";
    ldg_tagged_hash(&ph, LDG_TAG_EV_PAYLOAD, l3, strlen(l3));
    ck_assert_mem_eq(ph.b, o.last.payload_hash.b, 32);
    /* Python: datetime(2027, 1, 15, 8, 0, 0, 250000, utc).timestamp() * 1000 */
    ldg_ev_record r;
    const char *l = "2027-01-15T08:00:00.250Z\tack\t-\t";
    ck_assert_int_eq(ldg_ev_parse_line((const uint8_t *)l, strlen(l), &r), LDG_EV_ROK);
    ck_assert_uint_eq(r.time_ms, 1800000000250ULL);
}
END_TEST

START_TEST(reader_hostile)
{
    ck_assert_int_eq(read_err(""), LDG_EV_EMPTY);
    ck_assert_int_eq(read_err("1\tx\t-\tno newline"), LDG_EV_TRUNCATED);
    ck_assert_int_eq(read_err("1\tx\t-\n"), LDG_EV_FIELDS);
    ck_assert_int_eq(read_err("01\tx\t-\tp\n"), LDG_EV_TIME);
    ck_assert_int_eq(read_err("-5\tx\t-\tp\n"), LDG_EV_TIME);
    ck_assert_int_eq(read_err("9999999999999999\tx\t-\tp\n"), LDG_EV_TIME);
    ck_assert_int_eq(read_err("2027-02-29T00:00:00Z\tx\t-\tp\n"), LDG_EV_TIME);
    ck_assert_int_eq(read_err("2028-02-29T24:00:00Z\tx\t-\tp\n"), LDG_EV_TIME);
    ck_assert_int_eq(read_err("2028-02-29T23:00:00Z\tx\t-\tp\n"), LDG_EV_ROK);
    ck_assert_int_eq(read_err("1\tX\t-\tp\n"), LDG_EV_TYPE);
    ck_assert_int_eq(read_err("1\t\t-\tp\n"), LDG_EV_TYPE);
    ck_assert_int_eq(read_err("1\tabcdefghijabcdefghijabcdefghijabc\t-\tp\n"), LDG_EV_TYPE);
    ck_assert_int_eq(read_err("1\tx\t\tp\n"), LDG_EV_LINKS);
    ck_assert_int_eq(read_err("1\tx\t#1,\tp\n"), LDG_EV_LINKS);
    ck_assert_int_eq(read_err("1\tx\t#0\tp\n"), LDG_EV_LINKS);
    ck_assert_int_eq(read_err("1\tx\t#1\tp\n"), LDG_EV_LINK_UNKNOWN);
    ck_assert_int_eq(read_err("1\tx\t-\tp\n1\tx\t#3\tp\n"), LDG_EV_LINK_UNKNOWN);
    ck_assert_int_eq(read_err("5\tx\t-\tp\n4\tx\t#1\tp\n"), LDG_EV_LINK_LATER);
    ck_assert_int_eq(read_err("1\tx\t#1,#1,#1,#1,#1,#1,#1,#1,#1\tp\n"), LDG_EV_LINKS);
    ck_assert_int_eq(
        read_err("1\tx\t00000000000000000000000000000000000000000000000000000000000000zz\tp\n"),
        LDG_EV_LINKS);
    ck_assert_int_eq(
        read_err("1\tx\t0000000000000000000000000000000000000000000000000000000000000000\tp\n"),
        LDG_EV_LINK_UNKNOWN);
    /* A line one byte over the limit, then one exactly at it. */
    size_t n = LDG_EV_LINE_MAX + 2;
    char *big = malloc(n + 1);
    memcpy(big, "1\tx\t-\t", 6);
    memset(big + 6, 'a', n - 7);
    big[n - 1] = '\n';
    big[n] = '\0';
    rd_out o = read_text(big, n);
    ck_assert_int_eq(o.err, LDG_EV_LINE_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(o.error, "line 1 (byte offset 0)"));
    big[n - 2] = '\n';
    ck_assert_int_eq(read_text(big, n - 1).err, LDG_EV_ROK);
    free(big);
    o = read_text("1\tx\t-\tp\n2\tx\t-\tp\n3\tBAD\t-\tp\n", 27);
    ck_assert_int_eq(o.err, LDG_EV_TYPE);
    ck_assert_ptr_nonnull(strstr(o.error, "line 3 (byte offset 16)"));
}
END_TEST

/* ---- other formats (§1.4) ---- */

/* Reads text under a schema of that format requiring "who": the first error or ROK, and
 * the records read. */
static ldg_ev_rerr read_fmt(const char *text, ldg_ev_fmt fmt, size_t *records, ldg_ev_record *last)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    ck_assert_ptr_nonnull(f);
    ldg_account subject = {{7}};
    ldg_ev_schema sc;
    ldg_ev_schema_default(&sc, fmt);
    sc.nrequired = 1;
    snprintf(sc.required[0], sizeof sc.required[0], "who");
    ldg_ev_reader *rd = ldg_ev_reader_new(f, &subject, "f.log", NULL, NULL);
    ldg_ev_reader_set_schema(rd, &sc);
    ldg_ev_rerr e;
    *records = 0;
    for (;;) {
        const uint8_t *b, *line;
        size_t bl, ll;
        bool done;
        ldg_hash id;
        e = ldg_ev_reader_next(rd, last, &b, &bl, &line, &ll, &id, &done);
        if (e != LDG_EV_ROK || done)
            break;
        (*records)++;
    }
    ldg_ev_reader_free(rd);
    fclose(f);
    return e;
}

START_TEST(formats)
{
    size_t n;
    ldg_ev_record r;
    ck_assert_int_eq(read_fmt("{\"time\": 5, \"type\": \"disclosure\", \"who\": \"a\"}\n"
                              " { \"who\" : \"a\\u0041\", \"links\":[\"#1\"], \"type\":\"ack\", "
                              "\"time\":\"1970-01-01T00:00:00.006Z\", \"x\": {\"y\": [1, true]}}\n",
                              LDG_EV_FMT_JSONL, &n, &r),
                     LDG_EV_ROK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(r.type, "ack");
    ck_assert_uint_eq(r.time_ms, 6);
    ck_assert_uint_eq(r.link_count, 1);
    ck_assert_int_eq(read_fmt("{\"time\": 5, \"type\": \"a\", \"type\": \"b\", \"who\": 1}\n",
                              LDG_EV_FMT_JSONL, &n, &r),
                     LDG_EV_FIELDS);
    ck_assert_int_eq(read_fmt("{\"time\": 5, \"type\": \"a\"}\n", LDG_EV_FMT_JSONL, &n, &r),
                     LDG_EV_SCHEMA_FIELD);
    ck_assert_int_eq(
        read_fmt("{\"time\": 5, \"type\": \"a\", \"who\": 1} x\n", LDG_EV_FMT_JSONL, &n, &r),
        LDG_EV_FIELDS);
    ck_assert_int_eq(
        read_fmt("{\"time\": 5, \"type\": \"a\", \"who\": \"\\q\"}\n", LDG_EV_FMT_JSONL, &n, &r),
        LDG_EV_FIELDS);
    ck_assert_int_eq(
        read_fmt("{\"time\": -5, \"type\": \"a\", \"who\": 1}\n", LDG_EV_FMT_JSONL, &n, &r),
        LDG_EV_TIME);
    ck_assert_int_eq(read_fmt("{\"time\": 5, \"type\": \"a\", \"links\": [\"#1\"], \"who\": 1}\n",
                              LDG_EV_FMT_JSONL, &n, &r),
                     LDG_EV_LINK_UNKNOWN);
    ck_assert_int_eq(read_fmt("who,time,type,links\n\"a,\"\"b\"\"\",5,disclosure,\nb,6,ack,#2\n",
                              LDG_EV_FMT_CSV, &n, &r),
                     LDG_EV_ROK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(r.seq, 3);
    ck_assert_uint_eq(r.link_count, 1);
    ck_assert_int_eq(read_fmt("who,time,type\na,5\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_FIELDS);
    ck_assert_int_eq(read_fmt("who,time,type\na,5,x,y\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_FIELDS);
    ck_assert_int_eq(read_fmt("who,time,type\n,5,x\n", LDG_EV_FMT_CSV, &n, &r),
                     LDG_EV_SCHEMA_FIELD);
    ck_assert_int_eq(read_fmt("who,time\na,5\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_SCHEMA_FIELD);
    ck_assert_int_eq(read_fmt("who,time,type\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_EMPTY);
    /* The one CSV reader (ldg_csv_line), as the imports read: a CRLF file's lines are
     * records; a byte that is not UTF-8, a NUL or a quote inside an unquoted field is not. */
    ck_assert_int_eq(read_fmt("who,time,type\r\na,5,x\r\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_ROK);
    ck_assert_str_eq(r.type, "x");
    ck_assert_int_eq(read_fmt("who,time,type\n\xff,5,x\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_FIELDS);
    ck_assert_int_eq(read_fmt("who,time,type\na\"b,5,x\n", LDG_EV_FMT_CSV, &n, &r), LDG_EV_FIELDS);
    static const char nul[] = "who,time,type\na\0b,5,x\n";
    FILE *f = fmemopen((void *)nul, sizeof nul - 1, "r");
    ldg_account subject = {{7}};
    ldg_ev_schema sc;
    ldg_ev_schema_default(&sc, LDG_EV_FMT_CSV);
    ldg_ev_reader *rd = ldg_ev_reader_new(f, &subject, "f.log", NULL, NULL);
    ldg_ev_reader_set_schema(rd, &sc);
    const uint8_t *b, *line;
    size_t bl, ll;
    bool done;
    ldg_hash id;
    ck_assert_int_eq(ldg_ev_reader_next(rd, &r, &b, &bl, &line, &ll, &id, &done), LDG_EV_FIELDS);
    ldg_ev_reader_free(rd);
    fclose(f);
}
END_TEST

/* ---- the ingest pipeline ---- */

typedef struct sink_log {
    size_t calls, records, fail_at;
    ldg_hash roots[4];
    size_t counts[4];
} sink_log;

static bool sink_check(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    sink_log *l = arg;
    if (l->calls == l->fail_at)
        return false;
    ldg_ev_slice back;
    ck_assert(ldg_ev_slice_decode(&back, z, zl));
    ck_assert_mem_eq(back.root.b, s->root.b, 32);
    ck_assert_uint_eq(back.n, s->n);
    ck_assert_uint_eq(back.t_first, s->t_first);
    ck_assert_uint_eq(back.t_last, s->t_last);
    /* A flipped byte of the compressed file: refused, or decodes to another root. */
    uint8_t *bad = malloc(zl);
    memcpy(bad, z, zl);
    bad[zl / 2] ^= 0x20;
    ldg_ev_slice t;
    if (ldg_ev_slice_decode(&t, bad, zl)) {
        ck_assert(memcmp(t.root.b, s->root.b, 32) != 0);
        ldg_ev_slice_clear(&t);
    }
    free(bad);
    ldg_ev_slice_clear(&back);
    if (l->calls < 4) {
        l->roots[l->calls] = s->root;
        l->counts[l->calls] = s->n;
    }
    l->calls++;
    l->records += s->n;
    return true;
}

/* n lines "T\tack\t#(i-1)\tpayload i"; a bad TYPE on line `bad` if non-zero. */
static char *many_lines(size_t n, size_t bad, size_t *len)
{
    char *t = malloc(n * 48 + 1);
    size_t at = 0;
    for (size_t i = 1; i <= n; i++) {
        char links[24] = "-";
        if (i > 1)
            snprintf(links, sizeof links, "#%zu", i - 1);
        at += (size_t)sprintf(t + at, "%zu\t%s\t%s\tpayload %zu\n", 1000 + i,
                              i == bad ? "BAD" : "ack", links, i);
    }
    *len = at;
    return t;
}

/* A copy whose line was altered and recompressed: in a version 3 file the record's payload
 * hash is rebuilt from the line, so the tile no longer hashes to its root and the file is
 * refused; a version 2 file keeps the anchored root (the tree covers the records) and only
 * ldg_ev_slice_lines_ok catches it, as a mirror must. */
static bool sink_keep(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    (void)s;
    ldg_ev_blob *b = arg;
    b->d = malloc(zl);
    memcpy(b->d, z, zl);
    b->len = zl;
    return true;
}

START_TEST(altered_lines)
{
    size_t len;
    char *t = many_lines(300, 0, &len);
    ldg_account subject = {{3}};
    FILE *f = fmemopen(t, len, "r");
    ldg_ev_blob z = {0};
    ldg_ev_ingest_out out;
    ck_assert_int_eq(
        ldg_ev_ingest(f, &subject, "a.log", NULL, NULL, NULL, NULL, sink_keep, &z, &out),
        LDG_EV_ROK);
    fclose(f);
    ldg_ev_slice s, back;
    size_t bad = 0;
    ck_assert(ldg_ev_slice_decode(&s, z.d, z.len));
    ck_assert(ldg_ev_slice_lines_ok(&s, &bad));
    s.line.d[s.line_off[270] + 2] ^= 1; /* one byte of line 271 */
    size_t zl;
    ck_assert_uint_eq(s.version, 3);
    uint8_t *z2 = ldg_ev_slice_encode(&s, &zl);
    ck_assert(!ldg_ev_slice_decode(&back, z2, zl));
    free(z2);
    s.version = 2; /* the same slice as a version 2 file: SHA-256 salts, records whole */
    ldg_hash root3 = s.root;
    ldg_ev_slice_seal(&s);
    ck_assert(memcmp(root3.b, s.root.b, 32) != 0);
    z2 = ldg_ev_slice_encode(&s, &zl);
    ck_assert(ldg_ev_slice_decode(&back, z2, zl));
    ck_assert_mem_eq(back.root.b, s.root.b, 32);
    ck_assert(!ldg_ev_slice_lines_ok(&back, &bad));
    ck_assert_uint_eq(bad, 270);
    /* A record proved from the version 2 file by its tile: the salt of version 2. */
    FILE *v2 = tmpfile();
    ck_assert_uint_eq(fwrite(z2, 1, zl, v2), zl);
    ldg_ev_proved p;
    ldg_hash salt;
    ck_assert_int_eq(ldg_ev_tile_by_index(v2, &s.root, 261, &p), LDG_EV_TILE_OK);
    ldg_ev_salt(&salt, s.key, 261);
    ck_assert_mem_eq(p.salt.b, salt.b, 32);
    ldg_ev_proved_free(&p);
    fclose(v2);
    ldg_ev_slice_clear(&s);
    ldg_ev_slice_clear(&back);
    free(z2);
    free(z.d);
    free(t);
}
END_TEST

START_TEST(ingest_pipeline)
{
    size_t n = LDG_EV_SLICE_RECORDS_MAX + 10, len;
    char *t = many_lines(n, 0, &len);
    ldg_account subject = {{3}};
    FILE *f = fmemopen(t, len, "r");
    sink_log l = {.fail_at = SIZE_MAX};
    ldg_ev_ingest_out out;
    ck_assert_int_eq(
        ldg_ev_ingest(f, &subject, "big.log", NULL, NULL, NULL, NULL, sink_check, &l, &out),
        LDG_EV_ROK);
    fclose(f);
    ck_assert_uint_eq(out.records, n);
    ck_assert_uint_eq(out.slices, 2);
    ck_assert_uint_eq(l.counts[0], LDG_EV_SLICE_RECORDS_MAX);
    ck_assert_uint_eq(l.counts[1], 10);
    /* The digest: SHA-256 over each line's payload hash (§2.2), computed here from the text. */
    ldg_hash want;
    uint8_t *cat = malloc(n * 32);
    for (size_t i = 0, at = 0; i < n; i++) {
        const char *nl = memchr(t + at, '\n', len - at);
        ldg_tagged_hash((ldg_hash *)(void *)(cat + 32 * i), LDG_TAG_EV_PAYLOAD, t + at,
                        (size_t)(nl - (t + at)));
        at = (size_t)(nl - t) + 1;
    }
    ldg_sha256(&want, cat, n * 32);
    free(cat);
    ck_assert_mem_eq(out.digest.b, want.b, 32);
    /* A sink that refuses the second slice stops the ingest. */
    f = fmemopen(t, len, "r");
    l = (sink_log){.fail_at = 1};
    ck_assert_int_eq(
        ldg_ev_ingest(f, &subject, "big.log", NULL, NULL, NULL, NULL, sink_check, &l, &out),
        LDG_EV_IO);
    fclose(f);
    free(t);
    /* A bad line after the first slice: the reader's error, with its line. */
    t = many_lines(n, n - 1, &len);
    f = fmemopen(t, len, "r");
    l = (sink_log){.fail_at = SIZE_MAX};
    ck_assert_int_eq(
        ldg_ev_ingest(f, &subject, "big.log", NULL, NULL, NULL, NULL, sink_check, &l, &out),
        LDG_EV_TYPE);
    ck_assert_ptr_nonnull(strstr(out.error, "line 65545"));
    fclose(f);
    free(t);
}
END_TEST

/* ---- a fixed input gives fixed output (the ingest's optimisations change no byte) ---- */

/* A log with what the reader must handle: both TIME syntaxes, several links, tabs and long
 * payloads (bin8 and bin16 lengths), lines of 1 byte of payload; 65536 + 700 lines, so a full
 * slice of 256 whole tiles and a second one ending in a partial tile. */
static char *golden_log(size_t n, size_t *len)
{
    char *t = malloc(n * 400 + 1);
    size_t at = 0;
    for (size_t i = 1; i <= n; i++) {
        char links[64] = "-", time[128];
        if (i % 5 == 2)
            snprintf(links, sizeof links, "#%zu", i - 1);
        else if (i % 5 == 3 && i > 3)
            snprintf(links, sizeof links, "#%zu,#%zu", i - 1, i - 3);
        if (i % 7 == 0)
            snprintf(time, sizeof time, "2027-01-15T08:%02zu:%02zu.%03zuZ", i / 100 / 60,
                     i / 100 % 60, i * 10 % 1000); /* 1800000000000 is 08:00:00Z */
        else
            snprintf(time, sizeof time, "%zu", 1800000000000 + i * 10);
        int pad = (int)((i * 37) % 340);
        at += (size_t)sprintf(t + at, "%s\t%s\t%s\tq=%zu\tx=%.*s\n", time,
                              i % 3 ? "ack" : "purchase.v2", i % 7 == 0 ? "-" : links, i, pad,
                              "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
                              "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop"
                              "qrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef"
                              "ghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012345"
                              "6789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuv"
                              "wxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789");
    }
    *len = at;
    return t;
}

/* MTH of n leaves written from the spec with ldg_tagged_hash (not the code under test). */
static void golden_mth(ldg_hash *out, const ldg_hash *d, size_t n)
{
    if (n == 1) {
        *out = d[0];
        return;
    }
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t m[64];
    golden_mth((ldg_hash *)(void *)m, d, k);
    golden_mth((ldg_hash *)(void *)(m + 32), d + k, n - k);
    ldg_tagged_hash(out, LDG_TAG_EV_NODE, m, 64);
}

/* The AES-256-CTR keystream of key (counter block 0 first), n salts long, written from the
 * spec (§2) with OpenSSL's cipher, not ldg_ev_salts. */
static uint8_t *golden_keystream(const uint8_t key[32], size_t n)
{
    uint8_t *ks = calloc(n, 32), iv[16] = {0};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len;
    ck_assert(EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), NULL, key, iv));
    ck_assert(EVP_EncryptUpdate(c, ks, &len, ks, (int)(n * 32)));
    ck_assert_int_eq(len, (int)(n * 32));
    EVP_CIPHER_CTX_free(c);
    return ks;
}

/* Each slice's file: its tiles' raw bytes (the slice key is random, so the key-free part)
 * into a running hash; its root recomputed from the head's key and the tiles' records. */
static bool sink_golden(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    ldg_enc *acc = arg;
    ldg_ev_slice_head *h = malloc(sizeof *h);
    ck_assert_int_eq(ldg_ev_head_decode(h, z, zl), 1);
    ck_assert_uint_eq(h->n, s->n);
    ck_assert_uint_eq(h->version, 3);
    ldg_hash *leaves = malloc(h->n * sizeof *leaves);
    ldg_ev_slice back = {.version = 3};
    size_t pos = h->head_zlen;
    for (uint32_t k = 0; k < h->tiles; k++) {
        unsigned long long rl = ZSTD_getFrameContentSize(z + pos, h->zlen[k]);
        uint8_t *raw = malloc(rl);
        ck_assert_uint_eq(ZSTD_decompress(raw, rl, z + pos, h->zlen[k]), rl);
        ldg_enc_bin(acc, raw, rl);
        uint32_t want = (uint32_t)(h->n - k * 256 < 256 ? h->n - k * 256 : 256);
        ck_assert(ldg_ev_tile_add(&back, raw, rl, want));
        free(raw);
        pos += h->zlen[k];
    }
    ck_assert_uint_eq(pos, zl);
    uint8_t *ks = golden_keystream(h->key, h->n);
    for (size_t i = 0; i < h->n; i++) {
        uint8_t m[64];
        memcpy(m, ks + 32 * i, 32); /* the salt: bytes [32 i, 32 i + 32) of the keystream */
        ldg_tagged_hash((ldg_hash *)(void *)(m + 32), LDG_TAG_EV_RECORD,
                        back.rec.d + back.rec_off[i], back.rec_off[i + 1] - back.rec_off[i]);
        ldg_tagged_hash(&leaves[i], LDG_TAG_EV_LEAF, m, 64);
    }
    ldg_hash root;
    golden_mth(&root, leaves, h->n);
    ck_assert_mem_eq(root.b, s->root.b, 32);
    free(ks);
    ldg_enc_u64(acc, s->t_first);
    ldg_enc_u64(acc, s->t_last);
    ldg_ev_slice_clear(&back);
    free(leaves);
    free(h);
    return true;
}

START_TEST(ingest_fixed_output)
{
    size_t n = LDG_EV_SLICE_RECORDS_MAX + 700, len;
    char *t = golden_log(n, &len);
    ldg_account subject = {{5, 6}};
    FILE *f = fmemopen(t, len, "r");
    ldg_enc acc;
    ldg_enc_init(&acc);
    ldg_ev_ingest_out out;
    ck_assert_int_eq(
        ldg_ev_ingest(f, &subject, "golden.log", NULL, NULL, NULL, NULL, sink_golden, &acc, &out),
        LDG_EV_ROK);
    fclose(f);
    ck_assert_uint_eq(out.records, n);
    ck_assert_uint_eq(out.slices, 2);
    ldg_enc_bin(&acc, out.digest.b, 32);
    ldg_hash all;
    char hex[65];
    ldg_sha256(&all, ldg_enc_data(&acc), ldg_enc_len(&acc));
    ldg_hex_encode(hex, all.b, 32);
    /* Computed by the ingest before its speed work (commit "evidence: a fixed-output ingest
     * test"), then again when version 3 files dropped the payload hash from the tiles' records
     * (the roots are checked above against salts and hashes written from the spec); any
     * change to a record, line, tile layout, time range or digest changes it. */
    ck_assert_str_eq(hex, "cc79a8f3b81cd120f2fe3ec4175c1b997f36728dc9f3c6e54a5823c15e60c403");
    ldg_enc_free(&acc);
    free(t);
}
END_TEST

/* ---- tiles: one record proved from its tile alone ---- */

/* Every record of the slice, by index and by line, from the file: the same record and the
 * same path as from the whole slice in memory; a changed head or tile is refused. */
static bool sink_tiles(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    size_t *seen = arg;
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(z, 1, zl, f), zl);
    for (size_t i = 0; i < s->n; i += i % 256 == 254 || i % 256 == 0 ? 1 : 23) {
        ldg_ev_proved a, b, c;
        ldg_ev_proved_from_slice(&a, s, i);
        ck_assert_int_eq(ldg_ev_tile_by_index(f, &s->root, i, &b), LDG_EV_TILE_OK);
        ck_assert_int_eq(ldg_ev_tile_by_seq(f, &s->root, "t.log", a.record.seq, &c),
                         LDG_EV_TILE_OK);
        ck_assert_uint_eq(b.path_len, a.path_len);
        ck_assert_mem_eq(b.path, a.path, a.path_len * sizeof(ldg_hash));
        ck_assert_mem_eq(b.salt.b, a.salt.b, 32);
        ck_assert_mem_eq(b.id.b, a.id.b, 32);
        ck_assert_uint_eq(c.index, i);
        ck_assert_uint_eq(b.line_len, a.line_len);
        ck_assert_mem_eq(b.line, a.line, a.line_len);
        ldg_ev_proved_free(&a), ldg_ev_proved_free(&b), ldg_ev_proved_free(&c);
    }
    ldg_ev_proved p;
    ck_assert_int_eq(ldg_ev_tile_by_index(f, &s->root, s->n, &p), LDG_EV_TILE_NOT_FOUND);
    ck_assert_int_eq(ldg_ev_tile_by_seq(f, &s->root, "other.log", 1, &p), LDG_EV_TILE_NOT_FOUND);
    ldg_hash other = s->root;
    other.b[0] ^= 1;
    ck_assert_int_eq(ldg_ev_tile_by_index(f, &other, 0, &p), LDG_EV_TILE_BAD);
    /* The last byte of the last tile flipped: that tile no longer decodes or hashes. */
    uint8_t last = z[zl - 1] ^ 0x40;
    ck_assert_int_eq(fseek(f, (long)zl - 1, SEEK_SET), 0);
    ck_assert_uint_eq(fwrite(&last, 1, 1, f), 1);
    ck_assert_int_eq(ldg_ev_tile_by_index(f, &s->root, s->n - 1, &p), LDG_EV_TILE_BAD);
    fclose(f);
    *seen += s->n;
    return true;
}

START_TEST(tiles_prove)
{
    static const size_t sizes[] = {1, 255, 256, 257, 600, 1025};
    for (size_t k = 0; k < LDG_ARRAY_LEN(sizes); k++) {
        size_t len, seen = 0;
        char *t = many_lines(sizes[k], 0, &len);
        ldg_account subject = {{3}};
        FILE *f = fmemopen(t, len, "r");
        ldg_ev_ingest_out out;
        ck_assert_int_eq(
            ldg_ev_ingest(f, &subject, "t.log", NULL, NULL, NULL, NULL, sink_tiles, &seen, &out),
            LDG_EV_ROK);
        ck_assert_uint_eq(seen, sizes[k]);
        fclose(f);
        free(t);
    }
}
END_TEST

/* ---- the anchor through the executor ---- */

static ldg_registry *reg;
static ldg_memkv *kv;
static ldg_state *st;
static ldg_env env = {.chain_id = CHAIN, .height = 1, .time_ms = NOW_MS};
static ldg_keypair validator, broker, investor;
static ldg_genesis genesis;
static ldg_hash genesis_hash;

static void setup(void)
{
    reg = net_registry_new();
    kv = ldg_memkv_new();
    st = ldg_state_new(ldg_memkv_base(kv));
    tl_key(&validator, 1);
    tl_key(&broker, 2);
    tl_key(&investor, 3);
    const char *names[] = {"broker", "investor"};
    uint32_t roles[] = {LDG_ROLE_BROKER, LDG_ROLE_INVESTOR};
    const ldg_keypair *keys[] = {&broker, &investor};
    tl_genesis(&genesis, CHAIN, NOW_MS - 1000, &validator, 2, names, roles, keys);
    ldg_genesis_hash(&genesis_hash, &genesis);
    ldg_genesis_apply(st, &genesis);
    env.height = 1;
}

static void teardown(void)
{
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_registry_free(reg);
}

static uint8_t *anchor_wire(const ldg_keypair *k, const ldg_ev_anchor *a, size_t *len, ldg_hash *id)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_ev_anchor_encode(&e, a);
    uint8_t *w =
        tl_tx_build_fresh(len, id, CHAIN, &genesis_hash, LDG_TX_EV_ANCHOR, k, NOW_MS + 60000, &e);
    ldg_enc_free(&e);
    return w;
}

static ldg_result run_anchor(const ldg_keypair *k, const ldg_ev_anchor *a, ldg_hash *id)
{
    size_t len;
    uint8_t *w = anchor_wire(k, a, &len, id);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ldg_receipt rc;
    ck_assert_int_eq(ldg_exec_tx(reg, st, &env, &tx, 0, &rc), LDG_OK);
    ldg_tx_free(&tx);
    free(w);
    return rc.code;
}

/* The next anchor of the broker's log for a slice root, as ingest builds it. */
static ldg_ev_anchor next_anchor(const ldg_account *who, const ldg_hash *root, uint64_t count)
{
    ldg_ev_head h;
    ck_assert_int_eq(ldg_ev_head_get(st, who, &h), LDG_OK);
    ldg_ev_anchor a = {.slice_root = *root,
                       .record_count = count,
                       .time_first = NOW_MS - 10,
                       .time_last = NOW_MS - 5,
                       .prev_anchor = h.last_anchor,
                       .log_size = h.peaks.size + 1};
    ldg_hash leaf;
    ldg_ev_log_leaf(&leaf, root, count, a.time_first, a.time_last);
    ldg_ev_peaks_root_with(&h.peaks, &leaf, &a.log_root);
    return a;
}

START_TEST(anchor_rules)
{
    ldg_account b = tl_account(&broker);
    ldg_hash r1 = {{1}}, r2 = {{2}}, r3 = {{3}}, id;
    ldg_ev_anchor a = next_anchor(&b, &r1, 10);
    ck_assert_int_eq(run_anchor(&investor, &a, &id), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(run_anchor(&broker, &a, &id), LDG_R_OK);
    ck_assert_int_eq(run_anchor(&broker, &a, &id), LDG_R_EV_DUPLICATE);
    ldg_ev_anchor stale = a;
    stale.slice_root = r2;
    ck_assert_int_eq(run_anchor(&broker, &stale, &id), LDG_R_EV_STALE_HEAD);
    ldg_ev_anchor a2 = next_anchor(&b, &r2, 7);
    ldg_ev_anchor bad = a2;
    bad.log_root.b[0] ^= 1;
    ck_assert_int_eq(run_anchor(&broker, &bad, &id), LDG_R_EV_BAD_LOG_ROOT);
    bad = a2;
    bad.record_count = 0;
    ck_assert_int_eq(run_anchor(&broker, &bad, &id), LDG_R_EV_BAD_SLICE);
    bad = a2;
    bad.time_last = NOW_MS + 1;
    ck_assert_int_eq(run_anchor(&broker, &bad, &id), LDG_R_EV_FUTURE);
    ck_assert_int_eq(run_anchor(&broker, &a2, &id), LDG_R_OK);
    ldg_ev_head h;
    ck_assert_int_eq(ldg_ev_head_get(st, &b, &h), LDG_OK);
    ck_assert_uint_eq(h.peaks.size, 2);
    ck_assert_mem_eq(h.last_anchor.b, id.b, 32);
    ldg_ev_entry en;
    bool found;
    ck_assert_int_eq(ldg_ev_entry_by_root(st, &r2, &en, &found), LDG_OK);
    ck_assert(found);
    ck_assert_uint_eq(en.index, 1);
    ldg_hash leaf;
    ldg_ev_log_leaf(&leaf, &r2, 7, a2.time_first, a2.time_last);
    ck_assert(ldg_ev_path_verify(&leaf, 1, 2, en.path, en.path_len, &a2.log_root));
    ck_assert_int_eq(ldg_ev_entry_by_root(st, &r3, &en, &found), LDG_OK);
    ck_assert(!found);
    /* The block budget. */
    env.height = 2;
    for (int i = 0; i < LDG_EV_ANCHORS_PER_BLOCK_MAX; i++) {
        ldg_hash r = {{9, (uint8_t)i, (uint8_t)(i >> 8)}};
        ldg_ev_anchor n = next_anchor(&b, &r, 1);
        ck_assert_int_eq(run_anchor(&broker, &n, &id), LDG_R_OK);
    }
    ldg_ev_anchor over = next_anchor(&b, &r3, 1);
    ck_assert_int_eq(run_anchor(&broker, &over, &id), LDG_R_EV_BLOCK_FULL);
    env.height = 3;
    ck_assert_int_eq(run_anchor(&broker, &over, &id), LDG_R_OK);
}
END_TEST

/* ---- the disclosure registration (§10) ---- */

typedef struct dfix {
    char lines[2][200];
    uint8_t *rec[2];
    size_t rec_len[2];
    ldg_hash ids[2], salts[2], leaves[2], root;
} dfix;

/* A disclosure naming `named` and the instrument, and an ack linked to it, in one slice. */
static void dfix_build(dfix *f, const ldg_account *named)
{
    char hex[LDG_ACCOUNT_HEX_LEN], text[512];
    ldg_account_hex(hex, named);
    snprintf(f->lines[0], sizeof f->lines[0], "%llu\tdisclosure\t-\tinvestor=%s isin=CNE100000296",
             (unsigned long long)(NOW_MS - 10), hex);
    snprintf(f->lines[1], sizeof f->lines[1], "%llu\tack\t#1\tinvestor=%s ok",
             (unsigned long long)(NOW_MS - 5), hex);
    snprintf(text, sizeof text, "%s\n%s\n", f->lines[0], f->lines[1]);
    FILE *fp = fmemopen(text, strlen(text), "r");
    ldg_account b = tl_account(&broker);
    ldg_ev_reader *rd = ldg_ev_reader_new(fp, &b, "d.log", NULL, NULL);
    uint8_t key[32] = {9};
    for (int i = 0; i < 2; i++) {
        ldg_ev_record r;
        const uint8_t *bytes, *line;
        size_t bl, ll;
        bool done;
        ck_assert_int_eq(ldg_ev_reader_next(rd, &r, &bytes, &bl, &line, &ll, &f->ids[i], &done),
                         LDG_EV_ROK);
        f->rec[i] = malloc(bl);
        memcpy(f->rec[i], bytes, bl);
        f->rec_len[i] = bl;
        ldg_ev_salt(&f->salts[i], key, (uint64_t)i);
        ldg_ev_leaf(&f->leaves[i], &f->salts[i], &f->ids[i]);
    }
    ldg_ev_reader_free(rd);
    fclose(fp);
    ldg_ev_root(&f->root, f->leaves, 2);
}

/* evidence.disclose for `inv` with the fixture's records (first, second), the byte at
 * `flip` of the payload flipped if non-zero. */
static ldg_result run_disclose(dfix *f, const ldg_account *inv, int first, int second, size_t flip)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_bin(&e, inv->b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, "CNE100000296");
    int which[2] = {first, second};
    for (int k = 0; k < 2; k++) {
        int i = which[k];
        ldg_hash path[LDG_EV_PATH_MAX];
        size_t pl = ldg_ev_path(path, f->leaves, 2, (size_t)i);
        ldg_enc_array(&e, 6);
        ldg_enc_bin(&e, f->rec[i], f->rec_len[i]);
        ldg_enc_bin(&e, f->lines[i], strlen(f->lines[i]));
        ldg_enc_bin(&e, f->salts[i].b, 32);
        ldg_enc_u64(&e, (uint64_t)i);
        ldg_enc_array(&e, (uint32_t)pl);
        for (size_t j = 0; j < pl; j++)
            ldg_enc_bin(&e, path[j].b, 32);
        ldg_enc_bin(&e, f->root.b, 32);
    }
    if (flip)
        e.buf.data[flip] ^= 1;
    size_t len;
    ldg_hash id;
    uint8_t *w = tl_tx_build_fresh(&len, &id, CHAIN, &genesis_hash, LDG_TX_EV_DISCLOSE, &broker,
                                   NOW_MS + 60000, &e);
    ldg_enc_free(&e);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ldg_receipt rc;
    ck_assert_int_eq(ldg_exec_tx(reg, st, &env, &tx, 0, &rc), LDG_OK);
    ldg_tx_free(&tx);
    free(w);
    return rc.code;
}

START_TEST(disclose_rules)
{
    ldg_account inv = tl_account(&investor), other = tl_account(&validator);
    dfix f;
    dfix_build(&f, &inv);
    bool found;
    /* Not anchored yet. */
    ck_assert_int_eq(run_disclose(&f, &inv, 0, 1, 0), LDG_R_EV_NOT_ANCHORED);
    ldg_account b = tl_account(&broker);
    ldg_ev_anchor a = next_anchor(&b, &f.root, 2);
    ldg_hash aid;
    ck_assert_int_eq(run_anchor(&broker, &a, &aid), LDG_R_OK);
    /* The content must name this investor; the order must be disclosure then ack. */
    ck_assert_int_eq(run_disclose(&f, &other, 0, 1, 0), LDG_R_EV_NOT_DISCLOSURE);
    ck_assert_int_eq(run_disclose(&f, &inv, 1, 0, 0), LDG_R_EV_NOT_DISCLOSURE);
    ck_assert_int_eq(run_disclose(&f, &inv, 0, 0, 0), LDG_R_EV_NOT_DISCLOSURE);
    /* A changed line or salt: not the anchored record. */
    f.lines[1][strlen(f.lines[1]) - 1] ^= 1;
    ck_assert_int_eq(run_disclose(&f, &inv, 0, 1, 0), LDG_R_EV_NOT_INCLUDED);
    f.lines[1][strlen(f.lines[1]) - 1] ^= 1;
    f.salts[0].b[3] ^= 1;
    ck_assert_int_eq(run_disclose(&f, &inv, 0, 1, 0), LDG_R_EV_NOT_INCLUDED);
    f.salts[0].b[3] ^= 1;
    ck_assert_int_eq(ldg_ev_disclosure_get(st, &inv, "CNE100000296", &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(run_disclose(&f, &inv, 0, 1, 0), LDG_R_OK);
    ck_assert_int_eq(ldg_ev_disclosure_get(st, &inv, "CNE100000296", &found), LDG_OK);
    ck_assert(found);
    ck_assert_int_eq(ldg_ev_disclosure_get(st, &inv, "US5949181045", &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(ldg_ev_disclosure_get(st, &other, "CNE100000296", &found), LDG_OK);
    ck_assert(!found);
    for (int i = 0; i < 2; i++)
        free(f.rec[i]);
}
END_TEST

/* ---- bundles ---- */

typedef struct bfix {
    const char *lines[3];
    uint8_t *rec[3];
    size_t rec_len[3];
    ldg_hash ids[3], leaves[3], salts[3];
    uint8_t *wire;
    size_t wire_len;
    ldg_enc header, cert;
    ldg_tx_ref refs[2];
    ldg_ev_anchor a;
    ldg_hash log_path[1];
} bfix;

static void bfix_build(bfix *f)
{
    static const char *lines[3] = {"1799999999000\tdisclosure\t-\trisk R4 to alice",
                                   "1799999999100\tack\t#1\talice read it",
                                   "1799999999200\tpurchase\t#2\t100 shares"};
    char text[256];
    snprintf(text, sizeof text, "%s\n%s\n%s\n", lines[0], lines[1], lines[2]);
    FILE *fp = fmemopen(text, strlen(text), "r");
    ldg_account b = tl_account(&broker);
    ldg_ev_reader *rd = ldg_ev_reader_new(fp, &b, "day.log", NULL, NULL);
    uint8_t key[32] = {42};
    for (int i = 0; i < 3; i++) {
        ldg_ev_record r;
        const uint8_t *bytes, *line;
        size_t bl, ll;
        bool done;
        ck_assert_int_eq(ldg_ev_reader_next(rd, &r, &bytes, &bl, &line, &ll, &f->ids[i], &done),
                         LDG_EV_ROK);
        f->lines[i] = lines[i];
        f->rec[i] = malloc(bl);
        memcpy(f->rec[i], bytes, bl);
        f->rec_len[i] = bl;
        ldg_ev_salt(&f->salts[i], key, (uint64_t)i);
        ldg_ev_leaf(&f->leaves[i], &f->salts[i], &f->ids[i]);
    }
    ldg_ev_reader_free(rd);
    fclose(fp);
    /* A one-slice log whose second entry is this slice: the log path is the first leaf. */
    ldg_hash root, first = {{0x11}};
    ldg_ev_root(&root, f->leaves, 3);
    f->a = (ldg_ev_anchor){.slice_root = root,
                           .record_count = 3,
                           .time_first = 1799999999000ULL,
                           .time_last = 1799999999200ULL,
                           .log_size = 2};
    ldg_hash leaf;
    ldg_ev_log_leaf(&leaf, &root, 3, f->a.time_first, f->a.time_last);
    ldg_ev_node(&f->a.log_root, &first, &leaf);
    f->log_path[0] = first;
    ldg_hash id;
    f->wire = anchor_wire(&broker, &f->a, &f->wire_len, &id);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, f->wire, f->wire_len), LDG_R_OK);
    f->refs[0] = (ldg_tx_ref){.id = {{5}}};
    f->refs[1] = ldg_tx_ref_of(&tx);
    ldg_tx_free(&tx);
    ldg_header h = {.version = 1, .height = 7, .time_ms = NOW_MS, .tx_count = 2};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    ldg_tx_root(&h.tx_root, f->refs, 2);
    ldg_enc_init(&f->header);
    ldg_header_encode(&f->header, &h);
    static ldg_cert c;
    tl_cert_one(&c, &h, &validator);
    ldg_enc_init(&f->cert);
    ldg_cert_encode(&f->cert, &c);
}

static void bfix_free(bfix *f)
{
    for (int i = 0; i < 3; i++)
        free(f->rec[i]);
    free(f->wire);
    ldg_enc_free(&f->header);
    ldg_enc_free(&f->cert);
}

/* Encodes a bundle of the given version whose items are the fixture's records order[0..n). */
static void bundle_items(ldg_enc *e, bfix *f, const int *order, size_t n, uint64_t version,
                         const ldg_hash *gh)
{
    ldg_ev_bundle_item items[4];
    for (size_t k = 0; k < n; k++) {
        int i = order[k];
        ldg_ev_bundle_item *it = &items[k];
        memset(it, 0, sizeof *it);
        it->record = f->rec[i];
        it->record_len = f->rec_len[i];
        it->line = (const uint8_t *)f->lines[i];
        it->line_len = strlen(f->lines[i]);
        it->salt = f->salts[i];
        it->leaf_index = (uint64_t)i;
        it->path_len = (uint32_t)ldg_ev_path(it->path, f->leaves, 3, (size_t)i);
    }
    ldg_ev_bundle_anchor an = {.tx = f->wire,
                               .tx_len = f->wire_len,
                               .header = ldg_enc_data(&f->header),
                               .header_len = ldg_enc_len(&f->header),
                               .cert = ldg_enc_data(&f->cert),
                               .cert_len = ldg_enc_len(&f->cert),
                               .refs = (const uint8_t *)f->refs,
                               .refs_len = sizeof f->refs,
                               .log_path_len = 1};
    an.log_path[0] = f->log_path[0];
    ldg_enc_init(e);
    ldg_ev_bundle_encode_v(e, version, gh, items, n, &an, 1);
}

/* Encodes a bundle proving record `which` and (when chain) every record before it. */
static void bundle_of(ldg_enc *e, bfix *f, int which, bool chain, const ldg_hash *gh)
{
    int order[3];
    size_t n = 0;
    for (int i = which; i >= (chain ? 0 : which); i--)
        order[n++] = i;
    bundle_items(e, f, order, n, 1, gh);
}

static ldg_ev_verr verify_enc(const ldg_enc *e, const ldg_genesis *g, ldg_ev_fact *facts,
                              size_t *nf)
{
    ldg_enc ge;
    ldg_enc_init(&ge);
    ldg_genesis_encode(&ge, g);
    char why[256];
    ldg_ev_verr r = ldg_ev_bundle_verify(ldg_enc_data(e), ldg_enc_len(e), ldg_enc_data(&ge),
                                         ldg_enc_len(&ge), facts, nf, why, sizeof why);
    ldg_enc_free(&ge);
    return r;
}

/* Flips one byte at `at` in a copy of the bundle and verifies it. */
static ldg_ev_verr verify_flipped(const ldg_enc *e, size_t at)
{
    ldg_enc c;
    ldg_enc_init(&c);
    ldg_enc_raw(&c, ldg_enc_data(e), ldg_enc_len(e));
    c.buf.data[at] ^= 1;
    ldg_ev_fact facts[LDG_EV_BUNDLE_ITEMS_MAX];
    size_t nf;
    ldg_ev_verr r = verify_enc(&c, &genesis, facts, &nf);
    ldg_enc_free(&c);
    return r;
}

static size_t find(const ldg_enc *e, const void *needle, size_t len)
{
    const uint8_t *p = memmem(ldg_enc_data(e), ldg_enc_len(e), needle, len);
    ck_assert_ptr_nonnull(p);
    return (size_t)(p - ldg_enc_data(e));
}

START_TEST(bundle_verify)
{
    bfix f;
    bfix_build(&f);
    ldg_enc e;
    ldg_ev_fact facts[LDG_EV_BUNDLE_ITEMS_MAX];
    size_t nf;
    bundle_of(&e, &f, 2, true, &genesis_hash);
    ck_assert_int_eq(verify_enc(&e, &genesis, facts, &nf), LDG_EV_VOK);
    ck_assert_uint_eq(nf, 3);
    ck_assert_uint_eq(facts[0].height, 7);
    ck_assert_str_eq(facts[0].record.type, "purchase");
    /* Tampering, each refused with its own code. */
    ck_assert_int_eq(verify_flipped(&e, find(&e, f.lines[2], 10) + 2), LDG_EV_PAYLOAD);
    ck_assert_int_eq(verify_flipped(&e, find(&e, f.salts[2].b, 32)), LDG_EV_INCLUSION);
    ck_assert_int_eq(verify_flipped(&e, find(&e, f.rec[2], f.rec_len[2]) + f.rec_len[2] - 1),
                     LDG_EV_PAYLOAD);
    ck_assert_int_eq(verify_flipped(&e, find(&e, f.log_path[0].b, 32)), LDG_EV_LOG_PATH);
    ck_assert_int_eq(verify_flipped(&e, find(&e, f.refs[0].id.b, 32)), LDG_EV_ANCHOR_NOT_IN_BLOCK);
    ck_assert_int_eq(verify_flipped(&e, find(&e, f.wire, f.wire_len) + f.wire_len - 3),
                     LDG_EV_ANCHOR_TX);
    ck_assert_int_eq(verify_flipped(&e, find(&e, ldg_enc_data(&f.cert), ldg_enc_len(&f.cert)) +
                                            ldg_enc_len(&f.cert) - 3),
                     LDG_EV_CERTIFICATE);
    ck_assert_int_eq(verify_flipped(&e, find(&e, genesis_hash.b, 32)), LDG_EV_WRONG_CHAIN);
    ck_assert_int_eq(verify_flipped(&e, 0), LDG_EV_BUNDLE_FORMAT);
    /* Another chain's genesis (another validator). */
    ldg_genesis *other = malloc(sizeof *other);
    *other = genesis;
    other->validators[0] = broker.pub;
    ck_assert_int_eq(verify_enc(&e, other, facts, &nf), LDG_EV_WRONG_CHAIN);
    free(other);
    ldg_enc_free(&e);
    /* The purchase without the records it links to. */
    bundle_of(&e, &f, 2, false, &genesis_hash);
    ck_assert_int_eq(verify_enc(&e, &genesis, facts, &nf), LDG_EV_LINK_MISSING);
    ldg_enc_free(&e);
    bundle_of(&e, &f, 0, false, &genesis_hash);
    ck_assert_int_eq(verify_enc(&e, &genesis, facts, &nf), LDG_EV_VOK);
    /* Every truncation is refused, none crashes. */
    for (size_t cut = 0; cut < ldg_enc_len(&e); cut += 7)
        ck_assert_int_ne(ldg_ev_bundle_verify(ldg_enc_data(&e), cut, (const uint8_t *)"", 0, facts,
                                              &nf, NULL, 0),
                         LDG_EV_VOK);
    ldg_enc_free(&e);
    bfix_free(&f);
}
END_TEST

/* Chain bundles (version 2): time order, links to earlier items, one connected process. */
static ldg_ev_verr chain_case(bfix *f, const int *order, size_t n, bool *chain)
{
    ldg_enc e, ge;
    bundle_items(&e, f, order, n, 2, &genesis_hash);
    ldg_enc_init(&ge);
    ldg_genesis_encode(&ge, &genesis);
    ldg_ev_fact facts[LDG_EV_BUNDLE_ITEMS_MAX];
    size_t nf;
    char why[256];
    ldg_ev_verr r = ldg_ev_bundle_verify_v(ldg_enc_data(&e), ldg_enc_len(&e), ldg_enc_data(&ge),
                                           ldg_enc_len(&ge), facts, &nf, chain, why, sizeof why);
    ck_assert(r == LDG_EV_VOK || why[0] != '\0');
    ldg_enc_free(&e);
    ldg_enc_free(&ge);
    return r;
}

START_TEST(chain_verify)
{
    bfix f;
    bfix_build(&f);
    bool chain = false;
    ck_assert_int_eq(chain_case(&f, (const int[]){0, 1, 2}, 3, &chain), LDG_EV_VOK);
    ck_assert(chain);
    ck_assert_int_eq(chain_case(&f, (const int[]){0, 1}, 2, &chain), LDG_EV_VOK);
    ck_assert_int_eq(chain_case(&f, (const int[]){2, 1, 0}, 3, &chain), LDG_EV_CHAIN_ORDER);
    ck_assert_int_eq(chain_case(&f, (const int[]){0, 2}, 2, &chain), LDG_EV_LINK_MISSING);
    ck_assert_int_eq(chain_case(&f, (const int[]){0, 0, 1, 2}, 4, &chain),
                     LDG_EV_CHAIN_DISCONNECTED);
    ck_assert(!chain);
    /* The same items as a version 1 bundle: no chain rules. */
    ldg_enc e;
    ldg_ev_fact facts[LDG_EV_BUNDLE_ITEMS_MAX];
    size_t nf;
    bundle_items(&e, &f, (const int[]){2, 1, 0}, 3, 1, &genesis_hash);
    ck_assert_int_eq(verify_enc(&e, &genesis, facts, &nf), LDG_EV_VOK);
    ldg_enc_free(&e);
    bfix_free(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evidence");
    TCase *t = tcase_create("tree");
    tcase_add_test(t, root_vector);
    tcase_add_test(t, inclusion_all);
    tcase_add_test(t, consistency_all);
    tcase_add_test(t, peaks_match_root);
    suite_add_tcase(s, t);
    t = tcase_create("reader");
    tcase_add_test(t, record_pack_matches_msgpack);
    tcase_add_test(t, reader_good);
    tcase_add_test(t, reader_hostile);
    tcase_add_test(t, formats);
    suite_add_tcase(s, t);
    t = tcase_create("pipeline"); /* 65546-line logs, under ASan on a loaded machine */
    tcase_set_timeout(t, 60);
    tcase_add_test(t, ingest_pipeline);
    tcase_add_test(t, altered_lines);
    tcase_add_test(t, tiles_prove);
    tcase_add_test(t, ingest_fixed_output);
    suite_add_tcase(s, t);
    t = tcase_create("chain");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, anchor_rules);
    tcase_add_test(t, bundle_verify);
    tcase_add_test(t, chain_verify);
    tcase_add_test(t, disclose_rules);
    suite_add_tcase(s, t);
    return tl_run(s);
}
