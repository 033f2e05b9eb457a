/* Unit tests for signed requests and the member level (net/net_rpc_auth.c, specs/rpc.md
 * §1.2, evidence.md §2.4): a broker's evidence store (evidence_slices, evidence_slice) is
 * served to a request signed by a consortium member only; an anonymous request, the old
 * ["evidence", "slice", …] form, an investor's, a stale, forged or unregistered signature
 * are DENIED with a sentence and no byte of the slice. */
#include "testlib.h"

#include "net_rpc_auth.h"
#include "net_rpc_methods.h"
#include "net_node.h"

#include <jansson.h>
#include <sys/stat.h>
#include <time.h>

static char dir[PATH_MAX];
static net_node *node;
static ldg_keypair op, bk, inv, stranger;
static ldg_hash root, genesis;
static const char data[] = "slice bytes: the plaintext of a broker's log";

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void put_file(const char *ext, const void *b, size_t n)
{
    char hex[65], path[PATH_MAX + 100];
    ldg_hex_encode(hex, root.b, LDG_HASH_LEN);
    snprintf(path, sizeof path, "%s/evidence/%s.%s", dir, hex, ext);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* operator (all roles), broker (broker), inv (investor); a store with one anchored slice. */
static void setup(void)
{
    tl_tmpdir(dir, "rpcauth");
    tl_key(&op, 1);
    tl_key(&bk, 2);
    tl_key(&inv, 3);
    tl_key(&stranger, 4);
    const char *names[] = {"operator", "broker", "inv"};
    const uint32_t roles[] = {LDG_ROLE_ALL, LDG_ROLE_BROKER, LDG_ROLE_INVESTOR};
    const ldg_keypair *keys[] = {&op, &bk, &inv};
    static ldg_genesis g;
    tl_genesis(&g, "folio-rpcauth", 1700000000000ULL, &op, 3, names, roles, keys);
    node = calloc(1, sizeof *node);
    ck_assert_ptr_nonnull(node);
    snprintf(node->home, sizeof node->home, "%s", dir);
    net_clock_init(&node->clock);
    node->reg = net_registry_new();
    char db[PATH_MAX + 16];
    snprintf(db, sizeof db, "%s/data", dir);
    ck_assert_int_eq(ldg_chain_open(&node->chain, db, node->reg, &g, false), LDG_OK);
    genesis = *ldg_chain_genesis_hash(node->chain);
    snprintf(db, sizeof db, "%s/evidence", dir);
    ck_assert_int_eq(mkdir(db, 0700), 0);
    memset(root.b, 0x5a, LDG_HASH_LEN);
    put_file("slice", data, sizeof data - 1);
    put_file("anchor", "00\n", 3);
}

static void teardown(void)
{
    ldg_chain_close(node->chain);
    ldg_registry_free(node->reg);
    net_clock_destroy(&node->clock);
    free(node);
    tl_rmrf(dir);
}

/* ["evidence_slice", root, 0], or the old ["evidence", "slice", root, 0]. */
static void slice_req(ldg_enc *e, bool old)
{
    ldg_enc_init(e);
    ldg_enc_array(e, old ? 4 : 3);
    ldg_enc_str(e, old ? "evidence" : "evidence_slice");
    if (old)
        ldg_enc_str(e, "slice");
    ldg_enc_bin(e, root.b, LDG_HASH_LEN);
    ldg_enc_u64(e, 0);
}

/* Dispatches req (signed by kp at time t if kp) on a public connection; the reply's
 * status, and whether it holds the slice's bytes. */
static int run(const ldg_enc *req, const ldg_keypair *kp, uint64_t t, bool *got_data)
{
    ldg_enc env;
    const ldg_enc *send = req;
    if (kp) {
        ck_assert_int_eq(net_rpc_sign_request(&env, kp, &genesis, t, req), LDG_OK);
        send = &env;
    }
    int status = -1;
    char *out =
        net_rpc_dispatch(node, NET_RPC_PUBLIC, ldg_enc_data(send), ldg_enc_len(send), &status);
    ck_assert_ptr_nonnull(out);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    char hex[2 * sizeof data];
    ldg_hex_encode(hex, (const uint8_t *)data, sizeof data - 1);
    *got_data = strstr(out, hex) != NULL;
    if (status)
        ck_assert_msg(json_string_length(json_object_get(j, "message")) > 20, "%s", out);
    json_decref(j);
    free(out);
    if (kp)
        ldg_enc_free(&env);
    return status;
}

START_TEST(test_member_gets_the_slice)
{
    ldg_enc req;
    bool got;
    slice_req(&req, false);
    ck_assert_int_eq(run(&req, &bk, now_ms(), &got), 0);
    ck_assert(got);
    ck_assert_int_eq(run(&req, &op, now_ms() - 30000, &got), 0);
    ck_assert(got);
    ldg_enc_free(&req);
    /* the listing too */
    ldg_enc_init(&req);
    ldg_enc_array(&req, 2);
    ldg_enc_str(&req, "evidence_slices");
    ldg_enc_u64(&req, 0);
    ck_assert_int_eq(run(&req, &bk, now_ms(), &got), 0);
    ck_assert_int_eq(run(&req, NULL, 0, &got), LDG_ERR_DENIED);
    ck_assert_int_eq(run(&req, &inv, now_ms(), &got), LDG_ERR_DENIED);
    ldg_enc_free(&req);
}
END_TEST

START_TEST(test_others_denied)
{
    ldg_enc req, old;
    bool got;
    slice_req(&req, false);
    slice_req(&old, true);
    ck_assert_int_eq(run(&req, NULL, 0, &got), LDG_ERR_DENIED); /* anonymous */
    ck_assert(!got);
    ck_assert_int_eq(run(&old, NULL, 0, &got), LDG_ERR_DENIED); /* the old sub-method */
    ck_assert(!got);
    ck_assert_int_eq(run(&old, &bk, now_ms(), &got), LDG_ERR_DENIED);
    ck_assert(!got);
    ck_assert_int_eq(run(&req, &inv, now_ms(), &got), LDG_ERR_DENIED); /* an investor */
    ck_assert(!got);
    ck_assert_int_eq(run(&req, &stranger, now_ms(), &got), LDG_ERR_DENIED); /* unregistered */
    ck_assert(!got);
    ck_assert_int_eq(run(&req, &bk, now_ms() - 2 * LDG_HTTP_AUTH_SKEW_MS, &got), LDG_ERR_DENIED);
    ck_assert_int_eq(run(&req, &bk, now_ms() + 2 * LDG_HTTP_AUTH_SKEW_MS, &got), LDG_ERR_DENIED);
    ck_assert(!got);
    ldg_enc_free(&old);
    ldg_enc_free(&req);
}
END_TEST

/* An envelope whose signature is not the account's, or that binds another chain or other
 * bytes, or that is malformed or nested. */
START_TEST(test_forged_envelopes)
{
    ldg_enc req, env, bad;
    bool got;
    slice_req(&req, false);
    /* the broker's account, the stranger's signature */
    ck_assert_int_eq(net_rpc_sign_request(&env, &stranger, &genesis, now_ms(), &req), LDG_OK);
    ldg_account acc;
    ldg_account_of(&acc, &bk.pub);
    uint8_t *b = (uint8_t *)ldg_enc_data(&env);
    size_t at = 1 + 7 + 2; /* fixarray, "signed" fixstr, bin8 header */
    memcpy(b + at, acc.b, LDG_ACCOUNT_LEN);
    int status = -1;
    char *out = net_rpc_dispatch(node, NET_RPC_PUBLIC, b, ldg_enc_len(&env), &status);
    ck_assert_int_eq(status, LDG_ERR_DENIED);
    ck_assert_ptr_null(strstr(out, "736c696365")); /* "slice" in hex: no data */
    free(out);
    ldg_enc_free(&env);
    /* another chain's genesis */
    ldg_hash other = genesis;
    other.b[0] ^= 1;
    ck_assert_int_eq(net_rpc_sign_request(&env, &bk, &other, now_ms(), &req), LDG_OK);
    out = net_rpc_dispatch(node, NET_RPC_PUBLIC, ldg_enc_data(&env), ldg_enc_len(&env), &status);
    ck_assert_int_eq(status, LDG_ERR_DENIED);
    free(out);
    ldg_enc_free(&env);
    /* nested: an envelope in an envelope */
    ck_assert_int_eq(net_rpc_sign_request(&env, &bk, &genesis, now_ms(), &req), LDG_OK);
    ck_assert_int_eq(net_rpc_sign_request(&bad, &bk, &genesis, now_ms(), &env), LDG_OK);
    out = net_rpc_dispatch(node, NET_RPC_PUBLIC, ldg_enc_data(&bad), ldg_enc_len(&bad), &status);
    ck_assert_int_eq(status, LDG_ERR_PROTOCOL);
    free(out);
    ldg_enc_free(&bad);
    ldg_enc_free(&env);
    /* malformed: too few fields */
    ldg_enc_init(&bad);
    ldg_enc_array(&bad, 2);
    ldg_enc_str(&bad, NET_RPC_SIGNED);
    ldg_enc_u64(&bad, 1);
    out = net_rpc_dispatch(node, NET_RPC_PUBLIC, ldg_enc_data(&bad), ldg_enc_len(&bad), &status);
    ck_assert_int_eq(status, LDG_ERR_DENIED);
    free(out);
    ldg_enc_free(&bad);
    (void)got;
    ldg_enc_free(&req);
}
END_TEST

START_TEST(test_levels_of_roles)
{
    ldg_participant p = {.roles = LDG_ROLE_INVESTOR};
    ck_assert_int_eq(net_rpc_level_of(&p), NET_RPC_PARTICIPANT);
    p.roles = LDG_ROLE_REGULATOR;
    ck_assert_int_eq(net_rpc_level_of(&p), NET_RPC_MEMBER);
    p.roles = LDG_ROLE_INVESTOR | LDG_ROLE_BROKER;
    ck_assert_int_eq(net_rpc_level_of(&p), NET_RPC_MEMBER);
    p.roles = 0;
    ck_assert_int_eq(net_rpc_level_of(&p), NET_RPC_PARTICIPANT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rpc_auth");
    TCase *tc = tcase_create("signed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_member_gets_the_slice);
    tcase_add_test(tc, test_others_denied);
    tcase_add_test(tc, test_forged_envelopes);
    tcase_add_test(tc, test_levels_of_roles);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
