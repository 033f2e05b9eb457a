/* Unit tests for the evidence store's index of anchored slices (net/net_evstore.c,
 * specs/evidence.md §2.2): marking a slice anchored appends its root once; a page reads the
 * index from a position, at most max rows, with next and more; a page does not scan the
 * store's folder (a sidecar put there by hand is not listed); a store from before the
 * index gets one built from its folder; a torn last entry is neither read nor kept. */
#include "testlib.h"

#include "net_evstore.h"
#include "net_home.h"

#include <sys/stat.h>

static char dir[PATH_MAX];

static void setup(void)
{
    tl_tmpdir(dir, "evstore");
    char err[256];
    ck_assert_int_eq(net_evstore_open(dir, err, sizeof err), LDG_OK);
}

static void teardown(void)
{
    tl_rmrf(dir);
}

static ldg_hash root_of(uint32_t i)
{
    ldg_hash h;
    ldg_sha256(&h, &i, sizeof i);
    return h;
}

static void mark(uint32_t i)
{
    char err[256];
    ldg_hash r = root_of(i), tx = root_of(i + 1000000);
    ck_assert_int_eq(net_evstore_mark_anchored(dir, &r, &tx, err, sizeof err), LDG_OK);
}

static size_t index_entries(void)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, NET_EVSTORE_INDEX);
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size / LDG_HASH_LEN : 0;
}

START_TEST(test_pages_in_order)
{
    for (uint32_t i = 0; i < 10; i++)
        mark(i);
    mark(3); /* a sidecar written again (a restore): not indexed twice */
    ck_assert_uint_eq(index_entries(), 10);
    ldg_hash roots[4];
    size_t n;
    uint64_t pos = 0, next;
    bool more = true;
    char err[256];
    uint32_t seen = 0;
    while (more) {
        ck_assert_int_eq(net_evstore_page(dir, pos, roots, 4, &n, &next, &more, err, sizeof err),
                         LDG_OK);
        ck_assert_uint_le(n, 4);
        ck_assert_uint_eq(next, pos + n);
        for (size_t k = 0; k < n; k++, seen++) {
            ldg_hash want = root_of(seen);
            ck_assert_mem_eq(roots[k].b, want.b, LDG_HASH_LEN);
        }
        pos = next;
    }
    ck_assert_uint_eq(seen, 10);
    /* past the end: nothing, no more */
    ck_assert_int_eq(net_evstore_page(dir, 99, roots, 4, &n, &next, &more, err, sizeof err),
                     LDG_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert(!more);
}
END_TEST

/* The index is what a page reads: a slice's sidecar put in the folder by hand is not
 * listed, and one removed by hand is skipped (its row read, not offered). */
START_TEST(test_page_reads_the_index_not_the_folder)
{
    mark(0);
    mark(1);
    char path[PATH_MAX + 100], err[256];
    ldg_hash stray = root_of(7);
    net_evstore_path(path, sizeof path, dir, &stray, "anchor");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%064d\n", 0);
    fclose(f);
    ldg_hash gone = root_of(0);
    net_evstore_path(path, sizeof path, dir, &gone, "anchor");
    ck_assert_int_eq(unlink(path), 0);
    ldg_hash roots[8];
    size_t n;
    uint64_t next;
    bool more;
    ck_assert_int_eq(net_evstore_page(dir, 0, roots, 8, &n, &next, &more, err, sizeof err), LDG_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(next, 2);
    ldg_hash one = root_of(1);
    ck_assert_mem_eq(roots[0].b, one.b, LDG_HASH_LEN);
}
END_TEST

/* A store written before the index: the first page (or the first anchor) builds it from
 * the folder's anchored slices. */
START_TEST(test_index_built_for_an_old_store)
{
    char path[PATH_MAX + 100], err[256];
    for (uint32_t i = 0; i < 5; i++) {
        ldg_hash r = root_of(i);
        net_evstore_path(path, sizeof path, dir, &r, "slice");
        FILE *f = fopen(path, "w");
        fclose(f);
        if (i == 4)
            continue; /* not anchored: not listed */
        net_evstore_path(path, sizeof path, dir, &r, "anchor");
        f = fopen(path, "w");
        fprintf(f, "%064d\n", 0);
        fclose(f);
    }
    ldg_hash roots[8];
    size_t n;
    uint64_t next;
    bool more;
    ck_assert_int_eq(net_evstore_page(dir, 0, roots, 8, &n, &next, &more, err, sizeof err), LDG_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(index_entries(), 4);
    mark(4); /* the next anchor appends */
    ck_assert_uint_eq(index_entries(), 5);
}
END_TEST

START_TEST(test_torn_entry)
{
    mark(0);
    char path[PATH_MAX + 32], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, NET_EVSTORE_INDEX);
    FILE *f = fopen(path, "ab");
    fwrite("torn", 1, 4, f); /* a crash mid-append */
    fclose(f);
    ldg_hash roots[8];
    size_t n;
    uint64_t next;
    bool more;
    ck_assert_int_eq(net_evstore_page(dir, 0, roots, 8, &n, &next, &more, err, sizeof err), LDG_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert(!more);
    mark(1);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((size_t)st.st_size, 2 * LDG_HASH_LEN);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evstore");
    TCase *tc = tcase_create("index");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_pages_in_order);
    tcase_add_test(tc, test_page_reads_the_index_not_the_folder);
    tcase_add_test(tc, test_index_built_for_an_old_store);
    tcase_add_test(tc, test_torn_entry);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
