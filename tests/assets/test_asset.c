/* Unit tests for assets/ast_asset basics: instrument keys, the asset record round trip and
 * its corrupt forms, holdings (absent = 0, never stored as 0), the holder count, ast_credit
 * and ast_move with each rejection leaving state untouched, and the result table. */
#include "testlib.h"

#include "ast_asset.h"
#include "ldg_exec.h"
#include "net_node.h"

#define ISIN "US0378331005"

static ldg_registry *reg;
static ldg_memkv *kv;
static ldg_state *st;
static ldg_env env = {.chain_id = "folio-asset", .height = 1, .time_ms = 1700000000000ULL};
static ldg_account a1, a2, a3;

static void setup(void)
{
    reg = net_registry_new();
    kv = ldg_memkv_new();
    st = ldg_state_new(ldg_memkv_base(kv));
    memset(&a1, 0x11, sizeof a1);
    memset(&a2, 0x22, sizeof a2);
    memset(&a3, 0x33, sizeof a3);
}

static void teardown(void)
{
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_registry_free(reg);
}

static ast_asset sample(void)
{
    ast_asset a = {.kind = AST_KIND_EQUITY, .supply = 1000, .scale = 0, .risk = 3};
    snprintf(a.id, sizeof a.id, "%s", ISIN);
    snprintf(a.name, sizeof a.name, "Apple Inc.");
    snprintf(a.share_class, sizeof a.share_class, "A");
    snprintf(a.currency, sizeof a.currency, "USD");
    a.issuer = a1;
    return a;
}

static uint64_t bal(const ldg_account *acct)
{
    uint64_t q = 99;
    ck_assert_int_eq(ast_balance_get(st, ISIN, acct, &q), LDG_OK);
    return q;
}

static uint64_t holders(void)
{
    uint8_t k[1 + AST_ID_LEN] = {'H'};
    ck_assert(ast_id_key(k + 1, ISIN));
    uint64_t n = 99;
    ck_assert_int_eq(ldg_state_get_u64(st, k, sizeof k, &n), LDG_OK);
    return n;
}

START_TEST(test_id_key)
{
    uint8_t k[AST_ID_LEN];
    ck_assert(ast_id_key(k, ISIN));
    ck_assert_mem_eq(k, ISIN, AST_ID_LEN);
    ck_assert(ast_id_key(k, "USD"));
    ck_assert_mem_eq(k, "USD\0\0\0\0\0\0\0\0\0", AST_ID_LEN);
    ck_assert(!ast_id_key(k, ""));
    ck_assert(!ast_id_key(k, "US03783310051")); /* 13 */
}
END_TEST

START_TEST(test_asset_round_trip)
{
    ast_asset a = sample(), b;
    bool found;
    ck_assert_int_eq(ast_asset_get(st, ISIN, &b, &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(ast_asset_get(st, "", &b, &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(ast_asset_get(st, "TOO-LONG-ID-XX", &b, &found), LDG_OK);
    ck_assert(!found);
    ast_asset_put(st, &a);
    ck_assert_int_eq(ast_asset_get(st, ISIN, &b, &found), LDG_OK);
    ck_assert(found);
    ck_assert_str_eq(b.id, ISIN);
    ck_assert_uint_eq(b.kind, AST_KIND_EQUITY);
    ck_assert_str_eq(b.name, "Apple Inc.");
    ck_assert_mem_eq(b.issuer.b, a1.b, LDG_ACCOUNT_LEN);
    ck_assert_uint_eq(b.supply, 1000);
    ck_assert_uint_eq(b.risk, 3);
    ck_assert_str_eq(b.share_class, "A");
    ck_assert_str_eq(b.currency, "USD");
    /* Empty class and currency are allowed. */
    a.share_class[0] = a.currency[0] = '\0';
    ast_asset_put(st, &a);
    ck_assert_int_eq(ast_asset_get(st, ISIN, &b, &found), LDG_OK);
    ck_assert(found && b.share_class[0] == '\0' && b.currency[0] == '\0');
}
END_TEST

START_TEST(test_asset_decode_corrupt)
{
    ast_asset a = sample(), b;
    ast_asset_put(st, &a);
    uint8_t key[1 + AST_ID_LEN] = {'a'};
    ck_assert(ast_id_key(key + 1, ISIN));
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(st, key, sizeof key, &v, &vl, &found), LDG_OK);
    ck_assert(found);
    ck_assert_int_eq(ast_asset_decode(v, vl, &b), LDG_OK);
    uint8_t *copy = malloc(vl + 1);
    for (size_t cut = 0; cut < vl; cut++) {
        memcpy(copy, v, cut);
        ck_assert_int_eq(ast_asset_decode(copy, cut, &b), LDG_ERR_CORRUPT);
    }
    memcpy(copy, v, vl);
    copy[vl] = 0;
    ck_assert_int_eq(ast_asset_decode(copy, vl + 1, &b), LDG_ERR_CORRUPT);
    /* Seven fields instead of eight. */
    memcpy(copy, v, vl);
    ck_assert_uint_eq(copy[0], 0x98);
    copy[0] = 0x97;
    ck_assert_int_eq(ast_asset_decode(copy, vl, &b), LDG_ERR_CORRUPT);
    free(copy);
    /* A share class longer than 7 bytes does not fit its field. */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 8);
    ldg_enc_u64(&e, 1);
    ldg_enc_str(&e, "n");
    ldg_enc_bin(&e, a1.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, 1);
    ldg_enc_u64(&e, 0);
    ldg_enc_str(&e, "ABCDEFGH");
    ldg_enc_u64(&e, 1);
    ldg_enc_str(&e, "USD");
    ck_assert_int_eq(ast_asset_decode(ldg_enc_data(&e), ldg_enc_len(&e), &b), LDG_ERR_CORRUPT);
    ldg_enc_free(&e);
}
END_TEST

START_TEST(test_credit_and_holders)
{
    ck_assert_uint_eq(bal(&a1), 0);
    ck_assert_uint_eq(holders(), 0);
    ck_assert_int_eq(ast_credit(st, ISIN, &a1, 500), LDG_R_OK);
    ck_assert_int_eq(ast_credit(st, ISIN, &a1, 500), LDG_R_OK);
    ck_assert_uint_eq(bal(&a1), 1000);
    ck_assert_uint_eq(holders(), 1);
    ck_assert_int_eq(ast_credit(st, ISIN, &a2, LDG_QUANTITY_MAX), LDG_R_OK);
    ck_assert_uint_eq(holders(), 2);
    ck_assert_int_eq(ast_credit(st, ISIN, &a2, 1), LDG_R_OVERFLOW);
    ck_assert_int_eq(ast_credit(st, ISIN, &a1, UINT64_MAX), LDG_R_OVERFLOW);
    ck_assert_uint_eq(bal(&a2), LDG_QUANTITY_MAX);
    ck_assert_uint_eq(bal(&a1), 1000);
}
END_TEST

static ldg_txctx ctx(void)
{
    return (ldg_txctx){.reg = reg, .st = st, .env = &env};
}

START_TEST(test_move_rules)
{
    ast_asset a = sample();
    ast_asset_put(st, &a);
    ck_assert_int_eq(ast_credit(st, ISIN, &a1, 1000), LDG_R_OK);
    ldg_txctx c = ctx();
    const ldg_write *w;
    size_t writes = ldg_state_writes(st, &w);
    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a2, 0), AST_R_ZERO_QUANTITY);
    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a2, LDG_QUANTITY_MAX + 1), AST_R_QUANTITY_TOO_LARGE);
    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a1, 1), AST_R_SELF_TRANSFER);
    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a2, 1001), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_int_eq(ast_move(&c, ISIN, &a3, &a2, 1), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_uint_gt(strlen(c.detail), 0);
    ck_assert_uint_eq(ldg_state_writes(st, &w), writes); /* nothing written */
    ck_assert_uint_eq(bal(&a1), 1000);

    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a2, 400), LDG_R_OK);
    ck_assert_uint_eq(bal(&a1), 600);
    ck_assert_uint_eq(bal(&a2), 400);
    ck_assert_uint_eq(holders(), 2);
    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a3, 600), LDG_R_OK);
    ck_assert_uint_eq(bal(&a1), 0);
    ck_assert_uint_eq(holders(), 2);
    /* An emptied holding is deleted, not stored as 0. */
    uint8_t key[1 + AST_ID_LEN + LDG_ACCOUNT_LEN] = {'b'};
    ck_assert(ast_id_key(key + 1, ISIN));
    memcpy(key + 1 + AST_ID_LEN, a1.b, LDG_ACCOUNT_LEN);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(st, key, sizeof key, &v, &vl, &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(ast_move(&c, ISIN, &a2, &a3, 400), LDG_R_OK);
    ck_assert_int_eq(ast_move(&c, ISIN, &a3, &a1, 1000), LDG_R_OK);
    ck_assert_uint_eq(holders(), 1);
    ck_assert_uint_eq(bal(&a1), 1000);
    /* Overflow at the recipient. */
    ck_assert_int_eq(ast_credit(st, ISIN, &a2, LDG_QUANTITY_MAX), LDG_R_OK);
    writes = ldg_state_writes(st, &w);
    ck_assert_int_eq(ast_move(&c, ISIN, &a1, &a2, 1), LDG_R_OVERFLOW);
    ck_assert_uint_eq(bal(&a1), 1000);
    ck_assert_uint_eq(bal(&a2), LDG_QUANTITY_MAX);
}
END_TEST

START_TEST(test_result_table)
{
    ck_assert_str_eq(ldg_result_name(AST_R_BAD_ISIN), "BAD_ISIN");
    ck_assert_str_eq(ldg_result_name(AST_R_INSUFFICIENT_BALANCE), "INSUFFICIENT_BALANCE");
    ck_assert_str_eq(ldg_result_name(AST_R_SELF_TRANSFER), "SELF_TRANSFER");
    ck_assert_str_eq(ldg_result_name(LDG_R_REPLAY), "REPLAY");
    ck_assert_ptr_nonnull(ldg_registry_find(reg, AST_TX_ISSUE_EQUITY));
    ck_assert_ptr_nonnull(ldg_registry_find(reg, AST_TX_TRANSFER));
    ck_assert_str_eq(ldg_registry_find(reg, AST_TX_TRANSFER)->name, "asset.transfer");
    ck_assert_uint_eq(ldg_registry_find(reg, AST_TX_ISSUE_EQUITY)->roles_any, LDG_ROLE_ISSUER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("asset");
    TCase *tc = tcase_create("asset");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_id_key);
    tcase_add_test(tc, test_asset_round_trip);
    tcase_add_test(tc, test_asset_decode_corrupt);
    tcase_add_test(tc, test_credit_and_holders);
    tcase_add_test(tc, test_move_rules);
    tcase_add_test(tc, test_result_table);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
