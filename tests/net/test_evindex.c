/* Unit tests for the evidence store's record and link indexes (net/net_evindex.c,
 * specs/evidence.md §2.2): a slice is numbered by its position in STORE/slice-numbers;
 * every record and link entry is 16 bytes (not the 68 and 64 of version 1) and only in
 * ids2/ and links2/; a lookup gives every place whose 8-byte prefix matches (the caller
 * checks the record), resolving the slice number to its root; version 1 buckets written by
 * an older folio are still read; torn last entries are not read and are cut by the next
 * append. */
#include "testlib.h"

#include "net_evindex.h"

#include <sys/stat.h>

static char dir[PATH_MAX];

static void setup(void)
{
    tl_tmpdir(dir, "evindex");
}

static void teardown(void)
{
    tl_rmrf(dir);
}

static ldg_hash hash_of(uint32_t i)
{
    ldg_hash h;
    ldg_sha256(&h, &i, sizeof i);
    return h;
}

static off_t size_of(const char *rel)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The sum of the sizes of STORE/<sub>/00..ff. */
static off_t sub_size(const char *sub)
{
    off_t t = 0;
    for (int b = 0; b < 256; b++) {
        char rel[64];
        snprintf(rel, sizeof rel, "%s/%02x", sub, b);
        off_t s = size_of(rel);
        t += s > 0 ? s : 0;
    }
    return t;
}

/* Slice k holds records hash_of(1000 k + i), i < n; its record i links to record i - 1. */
static ldg_hash add_slice(uint32_t k, size_t n)
{
    ldg_hash root = hash_of(0xffff0000u + k), *ids = malloc(n * sizeof *ids);
    uint8_t *links = malloc(n * NET_EVINDEX_LINK_HINT + 1);
    size_t nl = 0;
    for (size_t i = 0; i < n; i++) {
        ids[i] = hash_of(1000 * k + (uint32_t)i);
        if (i == 0)
            continue;
        uint8_t *h = links + nl++ * NET_EVINDEX_LINK_HINT;
        memcpy(h, ids[i - 1].b, NET_EVINDEX_PREFIX);
        h[8] = 0, h[9] = 0, h[10] = (uint8_t)(i >> 8), h[11] = (uint8_t)i;
    }
    char err[256];
    ck_assert_int_eq(net_evindex_add(dir, &root, ids, n, links, nl, err, sizeof err), LDG_OK);
    free(ids);
    free(links);
    return root;
}

typedef struct hits {
    ldg_hash root[8];
    uint32_t index[8];
    size_t n;
} hits;

static bool collect(void *arg, const ldg_hash *root, uint32_t index)
{
    hits *h = arg;
    h->root[h->n] = *root;
    h->index[h->n++] = index;
    return h->n == 8;
}

START_TEST(test_entry_sizes)
{
    add_slice(0, 300);
    ck_assert_int_eq(size_of(NET_EVINDEX_SLICES), 32);
    ck_assert_int_eq(sub_size(NET_EVINDEX_IDS), 300 * 16);
    ck_assert_int_eq(sub_size(NET_EVINDEX_LINKS), 299 * 16);
    ck_assert_int_eq(sub_size("ids"), 0); /* version 1 buckets are never written */
    ck_assert_int_eq(sub_size("links"), 0);
}
END_TEST

START_TEST(test_find_resolves_the_slice)
{
    ldg_hash r0 = add_slice(0, 50), r1 = add_slice(1, 70), root;
    ck_assert(net_evindex_root(dir, 0, &root));
    ck_assert_mem_eq(root.b, r0.b, 32);
    ck_assert(net_evindex_root(dir, 1, &root));
    ck_assert_mem_eq(root.b, r1.b, 32);
    ck_assert(!net_evindex_root(dir, 2, &root));
    ldg_hash id = hash_of(1000 + 42);
    hits h = {0};
    ck_assert(!net_evindex_find(dir, &id, collect, &h));
    ck_assert_uint_eq(h.n, 1);
    ck_assert_mem_eq(h.root[0].b, r1.b, 32);
    ck_assert_uint_eq(h.index[0], 42);
    /* what links to record 41 of slice 1: record 42 */
    id = hash_of(1000 + 41);
    hits l = {0};
    ldg_hash v1[4];
    size_t n_v1;
    ck_assert(!net_evindex_links(dir, &id, collect, &l, v1, 4, &n_v1));
    ck_assert_uint_eq(l.n, 1);
    ck_assert_mem_eq(l.root[0].b, r1.b, 32);
    ck_assert_uint_eq(l.index[0], 42);
    ck_assert_uint_eq(n_v1, 0);
    id = hash_of(7777); /* not indexed */
    hits none = {0};
    ck_assert(!net_evindex_find(dir, &id, collect, &none));
    ck_assert_uint_eq(none.n, 0);
}
END_TEST

/* An entry is a hint by its 8-byte prefix: another id with the same prefix is offered too,
 * for the caller to refuse. */
START_TEST(test_prefix_is_only_a_hint)
{
    ldg_hash r0 = add_slice(0, 10);
    (void)r0;
    ldg_hash id = hash_of(3);
    id.b[31] ^= 1; /* same prefix, another id */
    hits h = {0};
    net_evindex_find(dir, &id, collect, &h);
    ck_assert_uint_eq(h.n, 1);
    ck_assert_uint_eq(h.index[0], 3);
}
END_TEST

/* A store written by folio before version 2: its 68-byte ids/ and 64-byte links/ entries. */
START_TEST(test_reads_version_1_buckets)
{
    char path[PATH_MAX + 64];
    ldg_hash id = hash_of(5), root = hash_of(6), linking = hash_of(7);
    snprintf(path, sizeof path, "%s/ids", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/links", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    uint8_t e[68];
    memcpy(e, id.b, 32);
    memcpy(e + 32, root.b, 32);
    e[64] = 0, e[65] = 1, e[66] = 2, e[67] = 3;
    snprintf(path, sizeof path, "%s/ids/%02x", dir, id.b[0]);
    FILE *f = fopen(path, "wb");
    ck_assert(fwrite(e, 1, 68, f) == 68 && fwrite(e, 1, 5, f) == 5); /* and a torn one */
    fclose(f);
    memcpy(e + 32, linking.b, 32);
    snprintf(path, sizeof path, "%s/links/%02x", dir, id.b[0]);
    f = fopen(path, "wb");
    ck_assert(fwrite(e, 1, 64, f) == 64);
    fclose(f);
    hits h = {0};
    ck_assert(!net_evindex_find(dir, &id, collect, &h));
    ck_assert_uint_eq(h.n, 1);
    ck_assert_mem_eq(h.root[0].b, root.b, 32);
    ck_assert_uint_eq(h.index[0], 0x010203);
    hits l = {0};
    ldg_hash v1[4];
    size_t n_v1;
    ck_assert(!net_evindex_links(dir, &id, collect, &l, v1, 4, &n_v1));
    ck_assert_uint_eq(l.n, 0);
    ck_assert_uint_eq(n_v1, 1);
    ck_assert_mem_eq(v1[0].b, linking.b, 32);
}
END_TEST

START_TEST(test_torn_entries)
{
    add_slice(0, 20);
    ldg_hash id = hash_of(3), next = hash_of(1000 + 3);
    char path[PATH_MAX + 64], rel[64];
    snprintf(rel, sizeof rel, "%s/%02x", NET_EVINDEX_IDS, next.b[0]);
    off_t had = size_of(rel) > 0 ? size_of(rel) : 0;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *t = fopen(path, "ab");
    fwrite("torn!", 1, 5, t); /* the bucket slice 1 appends to */
    fclose(t);
    snprintf(path, sizeof path, "%s/%s/%02x", dir, NET_EVINDEX_IDS, id.b[0]);
    off_t before = size_of(NET_EVINDEX_SLICES);
    FILE *f = fopen(path, "ab");
    fwrite("torn!", 1, 5, f); /* a crash mid-append */
    fclose(f);
    snprintf(path, sizeof path, "%s/%s", dir, NET_EVINDEX_SLICES);
    f = fopen(path, "ab");
    fwrite("torn", 1, 4, f);
    fclose(f);
    hits h = {0};
    net_evindex_find(dir, &id, collect, &h);
    ck_assert_uint_eq(h.n, 1);
    ldg_hash r1 = add_slice(1, 20), root; /* cuts both torn tails */
    ck_assert_int_eq(size_of(NET_EVINDEX_SLICES), before + 32);
    ck_assert(net_evindex_root(dir, 1, &root));
    ck_assert_mem_eq(root.b, r1.b, 32);
    ck_assert_int_eq(size_of(rel) % 16, 0);
    ck_assert_int_ge(size_of(rel), had + 16);
    hits g = {0};
    net_evindex_find(dir, &next, collect, &g);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_mem_eq(g.root[0].b, r1.b, 32);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evindex");
    TCase *tc = tcase_create("index");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_entry_sizes);
    tcase_add_test(tc, test_find_resolves_the_slice);
    tcase_add_test(tc, test_prefix_is_only_a_hint);
    tcase_add_test(tc, test_reads_version_1_buckets);
    tcase_add_test(tc, test_torn_entries);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
