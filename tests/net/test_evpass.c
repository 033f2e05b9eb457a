/* Unit tests for the sync pass's cursor (net/net_evpass.c, specs/evidence.md §2.4) against a
 * node's RPC server in-process, whose store's index holds made-up anchored roots (the pass
 * asks its own side, the test's ops, for each root's anchor: counted). A second pass does
 * not list again what the first settled; new roots are listed alone; a root not yet
 * anchored here is kept and retried until it is, also by a pass that starts afresh (the
 * cursor is on disk); an index that was replaced is listed again from its start; a pass
 * reads at most LDG_EV_SYNC_PAGES_MAX pages, the next one goes on from there; at most
 * LDG_EV_SYNC_PENDING_MAX roots wait, and paging waits for room; the retention period
 * examines at most LDG_EV_RETENTION_STEP slices a pass. */
#include "testlib.h"

#include "net_evpass.h"
#include "net_rpc_server.h"
#include "node_testkit.h"

#include <sys/stat.h>

static char dir[PATH_MAX], mirror_dir[PATH_MAX], origin[PATH_MAX + 16], url[PATH_MAX + 32];
static net_node *node;
static net_rpc_server *srv;
static ldg_keypair member;
static net_evorigin_signer signer;

/* The test's side of the pass: how many anchors it was asked for; roots whose first byte
 * is below `late_below` are not anchored here yet. */
static size_t anchors_asked;
static int late_below;

static ldg_err t_anchor(void *arg, const ldg_hash *root, net_ev_anchored *out)
{
    (void)arg;
    anchors_asked++;
    if (root->b[0] < late_below)
        return LDG_ERR_NOT_FOUND;
    memset(out, 0, sizeof *out);
    ldg_account_of(&out->subject, &member.pub); /* the member's own: settled, not fetched */
    return LDG_OK;
}

static ldg_err t_attest(void *arg, const ldg_hash *root, char *err, size_t err_len)
{
    (void)arg, (void)root;
    snprintf(err, err_len, "not in this test");
    return LDG_ERR_INVALID;
}

static void t_say(void *arg, bool error, const char *line)
{
    (void)arg, (void)error, (void)line;
}

static ldg_hash root_of(uint32_t i)
{
    ldg_hash h;
    ldg_sha256(&h, &i, sizeof i);
    return h;
}

/* Roots from..to-1 anchored in the origin's store: their sidecars and index rows, as
 * net_evstore_mark_anchored writes them but without its fsync per root (thousands). */
static void add_roots(uint32_t from, uint32_t to)
{
    char path[PATH_MAX + 128], hex[66];
    snprintf(path, sizeof path, "%s/%s", origin, NET_EVSTORE_INDEX);
    FILE *idx = fopen(path, "ab");
    ck_assert_ptr_nonnull(idx);
    for (uint32_t i = from; i < to; i++) {
        ldg_hash r = root_of(i), tx = root_of(i + 10000000);
        net_evstore_path(path, sizeof path, origin, &r, "anchor");
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ldg_hex_encode(hex, tx.b, LDG_HASH_LEN);
        fprintf(f, "%s\n", hex);
        fclose(f);
        ck_assert_uint_eq(fwrite(r.b, LDG_HASH_LEN, 1, idx), 1);
    }
    fclose(idx);
}

static net_evpass_stats pass(void)
{
    net_evpass_cfg cfg = {.store = mirror_dir, .mirrors = url, .signer = &signer};
    net_evpass_ops ops = {.anchor = t_anchor, .attest = t_attest, .say = t_say};
    net_evpass_stats st;
    anchors_asked = 0;
    ck_assert_int_eq(net_evpass_run(&cfg, &ops, &st), LDG_OK);
    return st;
}

static void setup(void)
{
    node = tk_node_open(dir, "evpass", "folio-evpass");
    tl_key(&member, 1); /* the operator: a participant with every role, so a member */
    signer.key = &member;
    signer.genesis = *ldg_chain_genesis_hash(node->chain);
    net_home_path(origin, node->home, "evidence");
    char err[256];
    ck_assert_int_eq(net_evstore_open(origin, err, sizeof err), LDG_OK);
    tl_tmpdir(mirror_dir, "evpass-mirror");
    ck_assert_int_eq(net_evstore_open(mirror_dir, err, sizeof err), LDG_OK);
    snprintf(url, sizeof url, "ipc://%s/rpc.sock", dir);
    ck_assert_msg(net_rpc_server_start(&srv, node, url, err, sizeof err) == 0, "%s", err);
    net_rpc_server_run(srv, 2);
    late_below = 0;
}

static void teardown(void)
{
    net_rpc_server_stop(srv);
    tk_node_close(node, dir);
    tl_rmrf(mirror_dir);
}

START_TEST(test_resumes_where_it_stopped)
{
    add_roots(0, 600);
    net_evpass_stats st = pass();
    ck_assert_uint_eq(anchors_asked, 600);
    net_evpass_stats first = st;
    st = pass(); /* nothing new: one page, no root */
    ck_assert_uint_eq(anchors_asked, 0);
    ck_assert_uint_eq(first.listed, 600);
    ck_assert_uint_eq(first.pages, 3);
    ck_assert_uint_eq(st.listed, 0);
    ck_assert_uint_eq(st.pages, 1);
    add_roots(600, 610);
    st = pass();
    ck_assert_uint_eq(anchors_asked, 10);
    ck_assert_uint_eq(st.listed, 10);
    ck_assert_uint_eq(st.pending, 0);
}
END_TEST

START_TEST(test_missed_roots_are_retried)
{
    add_roots(0, 300);
    late_below = 64; /* about a quarter of the roots are not anchored here yet */
    size_t late = 0;
    for (uint32_t i = 0; i < 300; i++)
        late += root_of(i).b[0] < 64;
    ck_assert_uint_gt(late, 0);
    net_evpass_stats st = pass();
    ck_assert_uint_eq(anchors_asked, 300);
    ck_assert_uint_eq(st.failed, late);
    st = pass(); /* still late: asked again, still kept */
    ck_assert_uint_eq(anchors_asked, late);
    ck_assert_uint_eq(st.pending, late);
    late_below = 0; /* this node's chain caught up */
    st = pass();
    ck_assert_uint_eq(anchors_asked, late);
    ck_assert_uint_eq(st.pending, 0);
    st = pass();
    ck_assert_uint_eq(anchors_asked, 0);
}
END_TEST

/* Rewrites the origin's index with its rows in reverse order, or only its first `keep`. */
static void rewrite_index(bool reverse, size_t keep)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", origin, NET_EVSTORE_INDEX);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static ldg_hash rows[1024];
    size_t n = fread(rows, LDG_HASH_LEN, 1024, f);
    fclose(f);
    for (size_t i = 0; reverse && i < n / 2; i++) {
        ldg_hash t = rows[i];
        rows[i] = rows[n - 1 - i], rows[n - 1 - i] = t;
    }
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(rows, LDG_HASH_LEN, keep < n ? keep : n, f), keep < n ? keep : n);
    fclose(f);
}

START_TEST(test_replaced_index_listed_again)
{
    add_roots(0, 300);
    pass();
    rewrite_index(true, 300); /* same length, other rows: the row before the cursor differs */
    pass();
    ck_assert_uint_eq(anchors_asked, 300);
    pass();
    ck_assert_uint_eq(anchors_asked, 0);
    rewrite_index(false, 100); /* shorter than where the cursor is */
    pass();
    ck_assert_uint_eq(anchors_asked, 100);
    pass();
    ck_assert_uint_eq(anchors_asked, 0);
}
END_TEST

START_TEST(test_pages_per_pass_bounded)
{
    uint32_t total = LDG_EV_SYNC_PAGES_MAX * LDG_EV_LIST_MAX + 300;
    add_roots(0, total);
    net_evpass_stats st = pass();
    ck_assert_uint_eq(anchors_asked, LDG_EV_SYNC_PAGES_MAX * LDG_EV_LIST_MAX);
    ck_assert_uint_eq(st.pages, LDG_EV_SYNC_PAGES_MAX);
    st = pass(); /* the rest, from where the first stopped */
    ck_assert_uint_eq(anchors_asked, 300);
    ck_assert_uint_le(st.pages, 2);
}
END_TEST

START_TEST(test_pending_bounded)
{
    add_roots(0, 1300);
    late_below = 256; /* none is anchored here yet */
    net_evpass_stats st = pass();
    ck_assert_uint_eq(anchors_asked, LDG_EV_SYNC_PENDING_MAX);
    ck_assert_uint_eq(st.pending, LDG_EV_SYNC_PENDING_MAX);
    ck_assert_uint_eq(st.pages, LDG_EV_SYNC_PENDING_MAX / LDG_EV_LIST_MAX);
    st = pass(); /* full: the waiting ones are retried, the index is not read further */
    ck_assert_uint_eq(anchors_asked, LDG_EV_SYNC_PENDING_MAX);
    ck_assert_uint_eq(st.pages, 0);
    late_below = 0;
    st = pass(); /* they settle, and paging goes on */
    ck_assert_uint_eq(anchors_asked, 1300);
    ck_assert_uint_eq(st.pending, 0);
}
END_TEST

START_TEST(test_bad_cursor_file_lists_again)
{
    add_roots(0, 50);
    pass();
    char path[PATH_MAX + 128];
    ldg_hash h;
    char hex[65];
    ldg_sha256(&h, url, strlen(url));
    ldg_hex_encode(hex, h.b, LDG_HASH_LEN);
    snprintf(path, sizeof path, "%s/mirrors/%s", mirror_dir, hex);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fputc('X', f); /* its magic */
    fclose(f);
    pass();
    ck_assert_uint_eq(anchors_asked, 50);
    pass();
    ck_assert_uint_eq(anchors_asked, 0);
}
END_TEST

/* The sink of a test ingest: each slice installed in the mirror's store, anchored. */
static bool install_sink(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl)
{
    (void)arg;
    char err[256];
    ldg_hash tx = s->root;
    tx.b[0] ^= 1;
    return net_evstore_install(mirror_dir, &s->root, z, zl, &tx, err, sizeof err) == LDG_OK;
}

/* The retention period in a pass reads at most LDG_EV_RETENTION_STEP slices, and goes on
 * from there at the next pass. */
START_TEST(test_retention_per_pass_bounded)
{
    size_t total = LDG_EV_RETENTION_STEP + 8;
    ldg_account subject = {{7}};
    for (size_t i = 0; i < total; i++) { /* one old line per slice */
        char line[128], src[32];
        int n = snprintf(line, sizeof line, "%llu\tlogin\t-\tdesk %zu\n",
                         1600000000000ULL + (unsigned long long)i, i);
        snprintf(src, sizeof src, "old-%zu.log", i);
        FILE *f = fmemopen(line, (size_t)n, "r");
        ldg_ev_ingest_out out;
        ck_assert_int_eq(
            ldg_ev_ingest(f, &subject, src, NULL, NULL, NULL, NULL, install_sink, NULL, &out),
            LDG_EV_ROK);
        fclose(f);
    }
    net_evpass_cfg cfg = {.store = mirror_dir, .mirrors = "", .retention_days = 30};
    net_evpass_ops ops = {.anchor = t_anchor, .attest = t_attest, .say = t_say};
    net_evpass_stats st;
    ck_assert_int_eq(net_evpass_run(&cfg, &ops, &st), LDG_OK);
    ck_assert_uint_eq(st.purged, LDG_EV_RETENTION_STEP);
    ck_assert_int_eq(net_evpass_run(&cfg, &ops, &st), LDG_OK);
    ck_assert_uint_eq(st.purged, total - LDG_EV_RETENTION_STEP);
    ck_assert_int_eq(net_evpass_run(&cfg, &ops, &st), LDG_OK);
    ck_assert_uint_eq(st.purged, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evpass");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_resumes_where_it_stopped);
    tcase_add_test(tc, test_missed_roots_are_retried);
    tcase_add_test(tc, test_replaced_index_listed_again);
    tcase_add_test(tc, test_pages_per_pass_bounded);
    tcase_add_test(tc, test_pending_bounded);
    tcase_add_test(tc, test_bad_cursor_file_lists_again);
    tcase_add_test(tc, test_retention_per_pass_bounded);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
