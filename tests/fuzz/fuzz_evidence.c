/* libFuzzer target for the evidence decoders (ledger/evidence, specs/evidence.md): the first
 * byte picks one, the rest is its input.
 *   0: one log line (ldg_ev_parse_line): a line that parses has a valid type and at most
 *      LDG_EV_LINKS_MAX links, and its record encodes to bytes that decode back to it;
 *   1: a whole log through the streaming reader (fmemopen): every record it yields decodes,
 *      its id is the hash of its bytes, seq counts up from 1;
 *   2: record bytes: a record that decodes re-encodes to exactly the input (canonical);
 *   3: a bundle against the example genesis of encoding.md: never crashes, never verifies
 *      (nothing in it can carry that chain's validator's signature);
 *   4: a slice file (§2.2): if it decodes, every record read by its tile alone
 *      (ldg_ev_tile_by_index) is the same record with a path to the same root;
 *   5: a jsonl log, 6: a csv log (§1.4), through the streaming reader under a schema that
 *      requires a field: every record decodes, seq counts up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_ev.h"

static void check_record_roundtrip(const ldg_ev_record *r)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_ev_record_encode(&e, r);
    ldg_ev_record back;
    LDG_ASSERT(ldg_ev_record_decode(&back, ldg_enc_data(&e), ldg_enc_len(&e)));
    LDG_ASSERT(back.time_ms == r->time_ms && back.link_count == r->link_count &&
               !strcmp(back.type, r->type) &&
               !memcmp(back.payload_hash.b, r->payload_hash.b, LDG_HASH_LEN));
    ldg_enc_free(&e);
}

static void one_line(const uint8_t *d, size_t n)
{
    ldg_ev_record r;
    if (ldg_ev_parse_line(d, n, &r) != LDG_EV_ROK)
        return;
    LDG_ASSERT(r.link_count <= LDG_EV_LINKS_MAX && r.type[0] != '\0');
    snprintf(r.source, sizeof r.source, "fuzz");
    r.seq = 1;
    check_record_roundtrip(&r);
}

static void whole_log(const uint8_t *d, size_t n)
{
    if (n == 0)
        return;
    FILE *f = fmemopen((void *)d, n, "r");
    if (!f)
        return;
    ldg_account subject = {{1}};
    ldg_ev_reader *rd = ldg_ev_reader_new(f, &subject, "fuzz.log", NULL, NULL);
    LDG_ASSERT(rd);
    for (uint64_t want = 1;; want++) {
        ldg_ev_record r, back;
        const uint8_t *b, *line;
        size_t bl, ll;
        ldg_hash id, again;
        bool done;
        if (ldg_ev_reader_next(rd, &r, &b, &bl, &line, &ll, &id, &done) != LDG_EV_ROK || done)
            break;
        LDG_ASSERT(r.seq == want && ll <= LDG_EV_LINE_MAX);
        LDG_ASSERT(ldg_ev_record_decode(&back, b, bl));
        ldg_ev_record_id(&again, b, bl);
        LDG_ASSERT(!memcmp(again.b, id.b, LDG_HASH_LEN));
    }
    ldg_ev_reader_free(rd);
    fclose(f);
}

static void record_bytes(const uint8_t *d, size_t n)
{
    ldg_ev_record r;
    if (!ldg_ev_record_decode(&r, d, n))
        return;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_ev_record_encode(&e, &r);
    LDG_ASSERT(ldg_enc_len(&e) == n && !memcmp(ldg_enc_data(&e), d, n));
    ldg_enc_free(&e);
}

/* encoding.md §4.5's genesis: chain folio-test, validator and operator x(G). */
static const char GENESIS_HEX[] =
    "94aa666f6c696f2d74657374cf0000018bcfe5680091c42079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28"
    "d959f2815b16f817989193a86f70657261746f72cd0201c42079be667ef9dcbbac55a06295ce870b07029bfcdb2dce"
    "28d959f2815b16f81798";

static void bundle(const uint8_t *d, size_t n)
{
    uint8_t g[sizeof GENESIS_HEX / 2];
    LDG_ASSERT(ldg_hex_decode(g, sizeof g, GENESIS_HEX) == 0);
    static ldg_ev_fact facts[LDG_EV_BUNDLE_ITEMS_MAX];
    size_t nf;
    char why[256];
    ldg_ev_verr r = ldg_ev_bundle_verify(d, n, g, sizeof g, facts, &nf, why, sizeof why);
    LDG_ASSERT(r != LDG_EV_VOK && nf == 0 && why[0] != '\0');
}

static void slice_file(const uint8_t *d, size_t n)
{
    ldg_ev_slice sl;
    bool whole = ldg_ev_slice_decode(&sl, d, n);
    FILE *f = n ? fmemopen((void *)d, n, "rb") : NULL;
    if (!f) {
        if (whole)
            ldg_ev_slice_clear(&sl);
        return;
    }
    ldg_hash root = {{0}};
    if (whole)
        root = sl.root;
    for (uint64_t i = 0; i < (whole ? sl.n : 2); i++) {
        ldg_ev_proved p;
        ldg_ev_tile_res r = ldg_ev_tile_by_index(f, &root, i, &p);
        LDG_ASSERT(!whole || r == LDG_EV_TILE_OK || r == LDG_EV_TILE_V1);
        if (r != LDG_EV_TILE_OK)
            continue;
        LDG_ASSERT(whole && !memcmp(p.id.b, sl.ids[i].b, LDG_HASH_LEN));
        ldg_ev_proved_free(&p);
    }
    fclose(f);
    if (whole)
        ldg_ev_slice_clear(&sl);
}

static void formatted_log(const uint8_t *d, size_t n, ldg_ev_fmt fmt)
{
    if (n == 0)
        return;
    FILE *f = fmemopen((void *)d, n, "r");
    if (!f)
        return;
    ldg_ev_schema sc;
    ldg_ev_schema_default(&sc, fmt);
    sc.nrequired = 1;
    snprintf(sc.required[0], sizeof sc.required[0], "who");
    ldg_account subject = {{1}};
    ldg_ev_reader *rd = ldg_ev_reader_new(f, &subject, "fuzz.log", NULL, NULL);
    LDG_ASSERT(rd);
    ldg_ev_reader_set_schema(rd, &sc);
    for (;;) {
        ldg_ev_record r, back;
        const uint8_t *b, *line;
        size_t bl, ll;
        ldg_hash id;
        bool done;
        if (ldg_ev_reader_next(rd, &r, &b, &bl, &line, &ll, &id, &done) != LDG_EV_ROK || done)
            break;
        LDG_ASSERT(ldg_ev_record_decode(&back, b, bl) && back.seq == r.seq && r.type[0]);
    }
    LDG_ASSERT(ldg_ev_reader_error(rd) != NULL);
    ldg_ev_reader_free(rd);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* Copy so that ASan catches any read past the input. */
    size_t n = size - 1;
    uint8_t *s = malloc(n ? n : 1);
    if (!s)
        return 0;
    memcpy(s, data + 1, n);
    switch (data[0] % 7) {
    case 0:
        one_line(s, n);
        break;
    case 1:
        whole_log(s, n);
        break;
    case 2:
        record_bytes(s, n);
        break;
    case 3:
        bundle(s, n);
        break;
    case 5:
        formatted_log(s, n, LDG_EV_FMT_JSONL);
        break;
    case 6:
        formatted_log(s, n, LDG_EV_FMT_CSV);
        break;
    default:
        slice_file(s, n);
        break;
    }
    free(s);
    return 0;
}

static size_t put(uint8_t *out, size_t cap, uint8_t which, const void *d, size_t n)
{
    if (n + 1 > cap)
        return 0;
    out[0] = which;
    memcpy(out + 1, d, n);
    return n + 1;
}

static bool keep_slice(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    (void)s;
    ldg_ev_blob *b = arg;
    b->d = malloc(zl);
    LDG_ASSERT(b->d);
    memcpy(b->d, z, zl);
    b->len = zl;
    return true;
}

/* Seeds: good lines and logs, a record, a bundle header, a slice file. */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    static const char *const lines[] = {
        "1800000000000\tdisclosure\t-\tinvestor=alice",
        ("2027-01-15T08:00:00.250Z\tack\t"
         "0000000000000000000000000000000000000000000000000000000000000000\tx"),
        "1\tx\t-\t",
    };
    static const char log[] = "1800000000000\tdisclosure\t-\ta\n1800000000001\tack\t#1\tb\n"
                              "1800000000002\tpurchase\t#2,#1\tc\n";
    if (index < LDG_ARRAY_LEN(lines))
        return put(out, cap, 0, lines[index], strlen(lines[index]));
    if (index == LDG_ARRAY_LEN(lines))
        return put(out, cap, 1, log, strlen(log));
    if (index == LDG_ARRAY_LEN(lines) + 1) {
        ldg_ev_record r = {.seq = 3, .time_ms = 5, .link_count = 1};
        snprintf(r.source, sizeof r.source, "a.log");
        snprintf(r.type, sizeof r.type, "ack");
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_ev_record_encode(&e, &r);
        size_t n = put(out, cap, 2, ldg_enc_data(&e), ldg_enc_len(&e));
        ldg_enc_free(&e);
        return n;
    }
    if (index == LDG_ARRAY_LEN(lines) + 2) {
        ldg_hash gh = {{0}};
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_ev_bundle_item it = {.record = (const uint8_t *)"\x90", .record_len = 1};
        ldg_ev_bundle_encode(&e, &gh, &it, 1, NULL, 0);
        size_t n = put(out, cap, 3, ldg_enc_data(&e), ldg_enc_len(&e));
        ldg_enc_free(&e);
        return n;
    }
    if (index == LDG_ARRAY_LEN(lines) + 4) {
        static const char j[] = "{\"time\": 5, \"type\": \"disclosure\", \"who\": \"a\"}\n"
                                "{\"time\": \"1970-01-01T00:00:00.006Z\", \"type\": \"ack\", "
                                "\"links\": [\"#1\"], \"who\": \"a\\u0041\"}\n";
        return put(out, cap, 5, j, strlen(j));
    }
    if (index == LDG_ARRAY_LEN(lines) + 5) {
        static const char c[] = "time,type,links,who\n5,disclosure,,a\n6,ack,#2,\"a, \"\"b\"\"\"\n";
        return put(out, cap, 6, c, strlen(c));
    }
    if (index == LDG_ARRAY_LEN(lines) + 3) {
        FILE *f = fmemopen((void *)log, strlen(log), "r");
        ldg_account subject = {{1}};
        ldg_ev_blob b = {0};
        ldg_ev_ingest_out o;
        LDG_ASSERT(f && ldg_ev_ingest(f, &subject, "a.log", NULL, NULL, NULL, NULL, keep_slice, &b,
                                      &o) == LDG_EV_ROK);
        fclose(f);
        size_t n = put(out, cap, 4, b.d, b.len);
        free(b.d);
        return n;
    }
    return 0;
}
