/* Cash, bonds, investors, transfer rules, legal controls and corporate actions driven
 * through the executor (registry of net_registry_new over an in-memory base), block by
 * block with explicit block times. Every test checks conservation of every instrument. */
#include "testlib.h"

#include "ast_action.h"
#include "ast_asset.h"
#include "ast_date.h"
#include "ast_limits.h"
#include "ast_rules.h"
#include "ldg_exec.h"
#include "net_node.h"

#define CHAIN "folio-test"

enum { BANK, BANK2, ISSUER, ISSUER2, REG1, REG2, BROKER, ALICE, BOB, CAROL, DAVE, NKEYS };

static const struct {
    const char *name;
    uint32_t roles;
} who[NKEYS] = {
    {"bank", LDG_ROLE_SETTLEMENT_BANK}, {"bank2", LDG_ROLE_SETTLEMENT_BANK},
    {"issuer", LDG_ROLE_ISSUER},        {"issuer2", LDG_ROLE_ISSUER},
    {"reg1", LDG_ROLE_REGULATOR},       {"reg2", LDG_ROLE_REGULATOR},
    {"broker", LDG_ROLE_BROKER},        {"alice", LDG_ROLE_INVESTOR},
    {"bob", LDG_ROLE_INVESTOR},         {"carol", LDG_ROLE_INVESTOR},
    {"dave", LDG_ROLE_INVESTOR},
};

typedef struct h {
    ldg_registry *reg;
    ldg_memkv *kv;
    ldg_state *st;
    ldg_keypair kp[NKEYS];
    ldg_account acct[NKEYS];
    ldg_env env;
    uint32_t index;
    uint64_t nonce;
    ldg_receipt rc; /* last receipt */
} h_t;

static h_t H;

static uint64_t ms_of(const char *date)
{
    ast_date d;
    ck_assert_int_eq(ast_date_parse(&d, date, strlen(date)), AST_DATE_OK);
    uint64_t ms;
    ck_assert_int_eq(ast_date_start_ms(&ms, d), AST_DATE_OK);
    return ms;
}

static int64_t days_of(const char *date)
{
    ast_date d;
    ck_assert_int_eq(ast_date_parse(&d, date, strlen(date)), AST_DATE_OK);
    return d.days;
}

/* Starts a block at time_ms: runs the hooks. */
static void begin(uint64_t time_ms)
{
    H.env.height++;
    H.env.time_ms = time_ms;
    H.index = 0;
    ck_assert_int_eq(ldg_exec_begin_block(H.reg, H.st, &H.env), LDG_OK);
}

static void commit(void)
{
    const ldg_write *w;
    size_t n = ldg_state_writes(H.st, &w);
    ldg_memkv_apply(H.kv, w, n);
    ldg_state_reset(H.st);
}

/* One empty block at time_ms. */
static void block(uint64_t time_ms)
{
    begin(time_ms);
    commit();
}

static void setup(void)
{
    memset(&H, 0, sizeof H);
    H.reg = net_registry_new();
    H.kv = ldg_memkv_new();
    H.st = ldg_state_new(ldg_memkv_base(H.kv));
    H.env.chain_id = CHAIN;
    H.env.time_ms = ms_of("2024-01-02");
    for (int i = 0; i < NKEYS; i++) {
        tl_key(&H.kp[i], (uint32_t)i + 100);
        H.acct[i] = tl_account(&H.kp[i]);
        ldg_participant p = {.roles = who[i].roles, .pubkey = H.kp[i].pub, .account = H.acct[i]};
        snprintf(p.name, sizeof p.name, "%s", who[i].name);
        ldg_participant_put(H.st, &p);
    }
    commit();
}

static void teardown(void)
{
    ldg_state_free(H.st);
    ldg_memkv_free(H.kv);
    ldg_registry_free(H.reg);
}

/* Applies one transaction in the current block; returns its result code. */
static ldg_result tx(int signer, uint64_t type, ldg_enc *payload)
{
    size_t len;
    ldg_hash id;
    /* A distinct nonce per call: append a counter to the expiry. */
    uint8_t *w = tl_tx_build(&len, &id, CHAIN, &TL_NO_GENESIS, type, &H.kp[signer],
                             H.env.time_ms + 60000 + (H.nonce++ % 1000), payload);
    ldg_tx t;
    ck_assert_int_eq(ldg_tx_decode(&t, w, len), LDG_R_OK);
    ck_assert_int_eq(ldg_exec_tx(H.reg, H.st, &H.env, &t, H.index++, &H.rc), LDG_OK);
    ldg_tx_free(&t);
    free(w);
    ldg_enc_free(payload);
    return H.rc.code;
}

/* A transaction in a block of its own at the current time. */
static ldg_result tx1(int signer, uint64_t type, ldg_enc *payload)
{
    begin(H.env.time_ms + 1000);
    ldg_result r = tx(signer, type, payload);
    commit();
    return r;
}

static ldg_enc *enc(void)
{
    static ldg_enc e;
    ldg_enc_init(&e);
    return &e;
}

static uint64_t bal(const char *id, int who_i)
{
    uint64_t q;
    ck_assert_int_eq(ast_balance_get(H.st, id, &H.acct[who_i], &q), LDG_OK);
    return q;
}

static uint64_t bal_acct(const char *id, const ldg_account *a)
{
    uint64_t q;
    ck_assert_int_eq(ast_balance_get(H.st, id, a, &q), LDG_OK);
    return q;
}

static ast_asset asset(const char *id)
{
    ast_asset a;
    bool found;
    ck_assert_int_eq(ast_asset_get(H.st, id, &a, &found), LDG_OK);
    ck_assert_msg(found, "no asset %s", id);
    return a;
}

typedef struct sum_scan {
    uint64_t sum, rows;
} sum_scan;

static bool sum_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    sum_scan *s = arg;
    (void)k;
    ck_assert_uint_eq(kl, 1 + AST_ID_LEN + LDG_ACCOUNT_LEN);
    ldg_dec d;
    uint64_t q;
    ck_assert_int_eq(ldg_decode(&d, v, vl), LDG_OK);
    ck_assert(ldg_obj_u64(d.root, &q));
    ldg_dec_free(&d);
    ck_assert_uint_gt(q, 0);
    s->sum += q;
    s->rows++;
    return true;
}

/* Conservation: supply == sum of holdings, holder count == rows. */
static void conserved(const char *id)
{
    uint8_t prefix[1 + AST_ID_LEN] = {'b'};
    ck_assert(ast_id_key(prefix + 1, id));
    sum_scan s = {0};
    ck_assert_int_eq(ldg_state_scan(H.st, prefix, sizeof prefix, SIZE_MAX, sum_row, &s), LDG_OK);
    ast_asset a = asset(id);
    ck_assert_msg(s.sum == a.supply, "%s: holdings %llu != supply %llu", id,
                  (unsigned long long)s.sum, (unsigned long long)a.supply);
    uint64_t holders;
    ck_assert_int_eq(ast_holders_get(H.st, id, &holders), LDG_OK);
    ck_assert_uint_eq(holders, s.rows);
}

/* ---- payload builders ---- */

static ldg_result issue_cash(int bank, const char *cur, uint64_t amount, int to)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 3);
    ldg_enc_str(e, cur);
    ldg_enc_u64(e, amount);
    ldg_enc_bin(e, H.acct[to].b, LDG_ACCOUNT_LEN);
    return tx1(bank, AST_TX_ISSUE_CASH, e);
}

static ldg_result redeem_cash(int holder, const char *cur, uint64_t amount)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 2);
    ldg_enc_str(e, cur);
    ldg_enc_u64(e, amount);
    return tx1(holder, AST_TX_REDEEM_CASH, e);
}

static ldg_result issue_equity(int issuer, const char *isin, uint64_t shares, int to, uint64_t risk)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 6);
    ldg_enc_str(e, isin);
    ldg_enc_str(e, "Test Co");
    ldg_enc_u64(e, shares);
    ldg_enc_bin(e, H.acct[to].b, LDG_ACCOUNT_LEN);
    ldg_enc_str(e, "A");
    ldg_enc_u64(e, risk);
    return tx1(issuer, AST_TX_ISSUE_EQUITY, e);
}

static ldg_result transfer(int from, const char *id, uint64_t qty, int to)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 3);
    ldg_enc_str(e, id);
    ldg_enc_u64(e, qty);
    ldg_enc_bin(e, H.acct[to].b, LDG_ACCOUNT_LEN);
    return tx1(from, AST_TX_TRANSFER, e);
}

static ldg_result issue_bond(const char *isin, uint64_t face, uint64_t units, uint64_t bps,
                             uint64_t freq, uint64_t dc, const char *issue, const char *maturity,
                             int to)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 12);
    ldg_enc_str(e, isin);
    ldg_enc_str(e, "Test Bond");
    ldg_enc_str(e, "CNY");
    ldg_enc_u64(e, face);
    ldg_enc_u64(e, units);
    ldg_enc_u64(e, bps);
    ldg_enc_u64(e, freq);
    ldg_enc_u64(e, dc);
    ldg_enc_i64(e, days_of(issue));
    ldg_enc_i64(e, days_of(maturity));
    ldg_enc_bin(e, H.acct[to].b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(e, 2);
    return tx1(ISSUER, AST_TX_ISSUE_BOND, e);
}

static ldg_result dividend(int issuer, const char *isin, uint64_t per_share, const char *rec,
                           const char *pay)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 5);
    ldg_enc_str(e, isin);
    ldg_enc_u64(e, per_share);
    ldg_enc_str(e, "CNY");
    ldg_enc_i64(e, days_of(rec));
    ldg_enc_i64(e, days_of(pay));
    return tx1(issuer, AST_TX_DIVIDEND, e);
}

static ldg_result split(int issuer, const char *isin, uint64_t n, uint64_t m)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 3);
    ldg_enc_str(e, isin);
    ldg_enc_u64(e, n);
    ldg_enc_u64(e, m);
    return tx1(issuer, AST_TX_SPLIT, e);
}

static ldg_result investor(int signer, int acct, uint64_t cat, uint64_t cls, const char *kyc)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 4);
    ldg_enc_bin(e, H.acct[acct].b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(e, cat);
    ldg_enc_u64(e, cls);
    ldg_enc_i64(e, days_of(kyc));
    return tx1(signer, AST_TX_INVESTOR, e);
}

static uint64_t last_id(void)
{
    ck_assert_uint_eq(H.rc.data_len, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | H.rc.data[i];
    return v;
}

static ast_action action(uint64_t id)
{
    ast_action a;
    bool found;
    ck_assert_int_eq(ast_action_get(H.st, id, &a, &found), LDG_OK);
    ck_assert(found);
    return a;
}

/* Runs blocks at time_ms until no work is due (bounded). Returns blocks used. */
static int drain(uint64_t time_ms)
{
    int n = 0;
    do {
        block(time_ms);
        n++;
        ck_assert_int_lt(n, 1000);
    } while (ldg_registry_work_due(H.reg, H.st, time_ms));
    return n;
}

#define EQ "US0378331005"
#define BOND "CNE100000296"
#define BOND2 "US5949181045"
#define BOND3 "GB0002634946"

/* ---- cash ---- */

START_TEST(cash_issue_redeem)
{
    ck_assert_int_eq(issue_cash(BANK, "CNY", 100050, ALICE), LDG_R_OK);
    ast_asset a = asset("CNY");
    ck_assert_uint_eq(a.kind, AST_KIND_CASH);
    ck_assert_uint_eq(a.scale, 2);
    ck_assert_uint_eq(a.supply, 100050);
    ck_assert_int_eq(issue_cash(BANK, "CNY", 1000, BOB), LDG_R_OK);
    ck_assert_uint_eq(asset("CNY").supply, 101050);
    ck_assert_int_eq(issue_cash(BANK2, "CNY", 1, BOB), AST_R_CASH_ISSUER);
    ck_assert_int_eq(issue_cash(ISSUER, "CNY", 1, BOB), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(issue_cash(BANK, "XXQ", 1, BOB), AST_R_BAD_CURRENCY);
    ck_assert_int_eq(issue_cash(BANK, "CNY", 0, BOB), AST_R_ZERO_QUANTITY);
    ck_assert_int_eq(issue_cash(BANK, "JPY", 500, BOB), LDG_R_OK);
    ck_assert_uint_eq(asset("JPY").scale, 0);
    ck_assert_uint_eq(asset("CNY").supply, 101050);
    ck_assert_int_eq(redeem_cash(ALICE, "CNY", 50), LDG_R_OK);
    ck_assert_uint_eq(asset("CNY").supply, 101000);
    ck_assert_uint_eq(bal("CNY", ALICE), 100000);
    ck_assert_int_eq(redeem_cash(ALICE, "CNY", 100001), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_int_eq(redeem_cash(ALICE, EQ, 1), AST_R_BAD_CURRENCY);
    ck_assert_int_eq(redeem_cash(ALICE, "USD", 1), AST_R_UNKNOWN_ASSET);
    ck_assert_uint_eq(asset("CNY").supply, 101000);
    /* The ledger's sentence gives money with its currency and decimals, never bare fen. */
    char detail[LDG_TEXT_LEN_MAX + 1] = "";
    ck_assert_int_eq(ast_transfer_check(H.st, H.env.time_ms, "CNY", &H.acct[ALICE], &H.acct[BOB],
                                        100001, detail, sizeof detail),
                     AST_R_INSUFFICIENT_BALANCE);
    ck_assert_str_eq(detail, "holds 1,000.00 CNY, needs 1,000.01 CNY");
    ck_assert_int_eq(transfer(ALICE, "CNY", 300, BOB), LDG_R_OK);
    ck_assert_int_eq(redeem_cash(BOB, "CNY", 1300), LDG_R_OK);
    ck_assert_uint_eq(bal("CNY", BOB), 0);
    conserved("CNY");
    conserved("JPY");
}
END_TEST

/* ---- dividends ---- */

START_TEST(dividend_exact)
{
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 1000, ALICE, 3), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 333, BOB), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 7, CAROL), LDG_R_OK);
    ck_assert_int_eq(issue_cash(BANK, "CNY", 1000000, ISSUER), LDG_R_OK);
    ck_assert_int_eq(dividend(ISSUER, EQ, 37, "2024-01-10", "2024-01-20"), LDG_R_OK);
    uint64_t id = last_id();
    ck_assert_uint_eq(action(id).state, AST_ACT_SCHEDULED);
    /* On the record date itself, holdings still count. */
    H.env.time_ms = ms_of("2024-01-10") + 3600000;
    ck_assert_int_eq(transfer(ALICE, EQ, 60, DAVE), LDG_R_OK);
    ck_assert(!ldg_registry_work_due(H.reg, H.st, ms_of("2024-01-10") + 86399999));
    ck_assert(ldg_registry_work_due(H.reg, H.st, ms_of("2024-01-11")));
    drain(ms_of("2024-01-11"));
    ck_assert_uint_eq(action(id).state, AST_ACT_RECORDED);
    ck_assert_uint_eq(action(id).snap_units, 1000);
    ck_assert_uint_eq(action(id).snap_holders, 4);
    /* After the record date: bob sells everything; he is still paid. */
    H.env.time_ms = ms_of("2024-01-15");
    ck_assert_int_eq(transfer(BOB, EQ, 333, CAROL), LDG_R_OK);
    ck_assert_uint_eq(bal("CNY", BOB), 0);
    drain(ms_of("2024-01-20"));
    ast_action a = action(id);
    ck_assert_uint_eq(a.state, AST_ACT_DONE);
    ck_assert_uint_eq(a.total, 37000);
    ck_assert_uint_eq(a.paid, 37000);
    ck_assert_uint_eq(bal("CNY", ALICE), 600 * 37);
    ck_assert_uint_eq(bal("CNY", BOB), 333 * 37);
    ck_assert_uint_eq(bal("CNY", CAROL), 7 * 37);
    ck_assert_uint_eq(bal("CNY", DAVE), 60 * 37);
    ck_assert_uint_eq(bal("CNY", ISSUER), 1000000 - 37000);
    ck_assert_uint_eq(bal_acct("CNY", &ast_escrow_account), 0);
    conserved("CNY");
    conserved(EQ);
}
END_TEST

/* More holders than one block's chunk: the snapshot takes several blocks and holdings
 * that change in between keep their record-date value. */
START_TEST(dividend_chunked_snapshot)
{
    const size_t n = AST_ACTION_ROWS_PER_BLOCK_MAX * 2 + 17;
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 10 * n, ALICE, 3), LDG_R_OK);
    begin(H.env.time_ms + 1000);
    ldg_account *accts = calloc(n, sizeof *accts);
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < LDG_ACCOUNT_LEN; b++)
            accts[i].b[b] = (uint8_t)((i * 2654435761u) >> (b % 4 * 8)) ^ (uint8_t)b;
        accts[i].b[19] = (uint8_t)i;
        accts[i].b[18] = (uint8_t)(i >> 8);
        ck_assert_int_eq(ast_move_raw(H.st, EQ, &H.acct[ALICE], &accts[i], 9), LDG_R_OK);
    }
    commit();
    ck_assert_int_eq(issue_cash(BANK, "CNY", 100000000, ISSUER), LDG_R_OK);
    ck_assert_int_eq(dividend(ISSUER, EQ, 5, "2024-01-10", "2024-01-20"), LDG_R_OK);
    uint64_t id = last_id();
    uint64_t t = ms_of("2024-01-11");
    block(t); /* first chunk */
    ck_assert_uint_eq(action(id).state, AST_ACT_RECORDING);
    /* Alice gives everything to the last account (not yet copied) mid-snapshot. */
    begin(t + 1);
    ldg_txctx c = {.reg = H.reg, .st = H.st, .env = &H.env};
    uint64_t alice = bal(EQ, ALICE);
    ck_assert_int_eq(ast_move(&c, EQ, &H.acct[ALICE], &accts[n - 1], alice), LDG_R_OK);
    commit();
    int blocks = drain(t + 2);
    ck_assert_int_ge(blocks, 1);
    ast_action a = action(id);
    ck_assert_uint_eq(a.state, AST_ACT_RECORDED);
    ck_assert_uint_eq(a.snap_units, 10 * n);
    drain(ms_of("2024-01-20"));
    a = action(id);
    ck_assert_uint_eq(a.state, AST_ACT_DONE);
    ck_assert_uint_eq(a.paid, 50 * n);
    ck_assert_uint_eq(bal("CNY", ALICE), alice * 5);
    ck_assert_uint_eq(bal_acct("CNY", &accts[n - 1]), 45);
    ck_assert_uint_eq(bal_acct("CNY", &accts[0]), 45);
    conserved("CNY");
    conserved(EQ);
    free(accts);
}
END_TEST

START_TEST(dividend_unfunded_then_funded_and_cancel)
{
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 100, ALICE, 3), LDG_R_OK);
    ck_assert_int_eq(issue_cash(BANK, "CNY", 999, ISSUER), LDG_R_OK);
    ck_assert_int_eq(dividend(ISSUER, EQ, 10, "2024-01-10", "2024-01-20"), LDG_R_OK);
    uint64_t id = last_id();
    drain(ms_of("2024-01-20"));
    ck_assert_uint_eq(action(id).state, AST_ACT_UNFUNDED);
    ck_assert_uint_eq(bal("CNY", ALICE), 0);
    ck_assert_uint_eq(bal("CNY", ISSUER), 999);
    ck_assert(!ldg_registry_work_due(H.reg, H.st, ms_of("2024-01-21")));
    block(ms_of("2024-01-21"));
    ck_assert_uint_eq(action(id).state, AST_ACT_UNFUNDED);
    H.env.time_ms = ms_of("2024-01-21");
    ck_assert_int_eq(issue_cash(BANK, "CNY", 1, ISSUER), LDG_R_OK);
    drain(ms_of("2024-01-22"));
    ck_assert_uint_eq(action(id).state, AST_ACT_DONE);
    ck_assert_uint_eq(bal("CNY", ALICE), 1000);
    ck_assert_uint_eq(bal("CNY", ISSUER), 0);
    /* A second one, unfunded, cancelled by the issuer (not by someone else). */
    ck_assert_int_eq(dividend(ISSUER, EQ, 10, "2024-02-10", "2024-02-20"), LDG_R_OK);
    id = last_id();
    drain(ms_of("2024-02-20"));
    ck_assert_uint_eq(action(id).state, AST_ACT_UNFUNDED);
    ldg_enc *e = enc();
    ldg_enc_array(e, 1);
    ldg_enc_u64(e, id);
    ck_assert_int_eq(tx1(ISSUER2, AST_TX_ACTION_CANCEL, e), AST_R_NOT_ISSUER);
    e = enc();
    ldg_enc_array(e, 1);
    ldg_enc_u64(e, id);
    ck_assert_int_eq(tx1(ISSUER, AST_TX_ACTION_CANCEL, e), LDG_R_OK);
    drain(ms_of("2024-02-21"));
    ck_assert_uint_eq(action(id).state, AST_ACT_CANCELLED);
    ck_assert_int_eq(issue_cash(BANK, "CNY", 5000, ISSUER), LDG_R_OK);
    drain(ms_of("2024-02-22"));
    ck_assert_uint_eq(bal("CNY", ALICE), 1000);
    e = enc();
    ldg_enc_array(e, 1);
    ldg_enc_u64(e, id);
    ck_assert_int_eq(tx1(ISSUER, AST_TX_ACTION_CANCEL, e), AST_R_ACTION_CLOSED);
    e = enc();
    ldg_enc_array(e, 1);
    ldg_enc_u64(e, 999);
    ck_assert_int_eq(tx1(ISSUER, AST_TX_ACTION_CANCEL, e), AST_R_UNKNOWN_ACTION);
    conserved("CNY");
    conserved(EQ);
}
END_TEST

/* ---- bonds ---- */

/* Runs a bond to maturity; checks each payment date's cash against `expect` (per unit,
 * coupon + face at the end) for holders of 10, 20 and 70 units. */
static void bond_run(const char *isin, const char *const *dates, const uint64_t *per_unit, size_t n,
                     uint64_t face)
{
    ck_assert_int_eq(transfer(ALICE, isin, 20, BOB), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, isin, 70, CAROL), LDG_R_OK);
    uint64_t paid = 0, issuer0 = bal("CNY", ISSUER);
    for (size_t i = 0; i < n; i++) {
        uint64_t pay = ms_of(dates[i]);
        drain(pay - 1);
        ck_assert_uint_eq(bal("CNY", ALICE), 10 * paid);
        drain(pay);
        paid += per_unit[i];
        ck_assert_msg(bal("CNY", ALICE) == 10 * paid, "%s period %zu: alice %llu, want %llu", isin,
                      i, (unsigned long long)bal("CNY", ALICE), (unsigned long long)(10 * paid));
        ck_assert_uint_eq(bal("CNY", BOB), 20 * paid);
        ck_assert_uint_eq(bal("CNY", CAROL), 70 * paid);
        ck_assert_uint_eq(bal("CNY", ISSUER), issuer0 - 100 * paid);
        conserved("CNY");
        conserved(isin);
    }
    ck_assert_uint_gt(paid, face);
    ast_asset a = asset(isin);
    ck_assert_uint_eq(a.supply, 0);
    ck_assert_uint_eq(bal(isin, ALICE) + bal(isin, BOB) + bal(isin, CAROL), 0);
}

/* ACT/365F, annual: 2023-06-30 .. 2025-06-30, 3.50 % on 100.00 CNY (10000 fen).
 * Period 1 [2023-06-30, 2024-06-30) has 366 days (29 Feb 2024): 10000*0.035*366/365 =
 * 350.958... -> 350. Period 2, 365 days: 350 exactly, plus the face 10000. */
START_TEST(bond_act365f_leap)
{
    ck_assert_int_eq(issue_cash(BANK, "CNY", 10000000, ISSUER), LDG_R_OK);
    ck_assert_int_eq(issue_bond(BOND, 10000, 100, 350, 1, AST_DAYCOUNT_ACT_365F, "2023-06-30",
                                "2025-06-30", ALICE),
                     LDG_R_OK);
    static const char *const d[] = {"2024-06-30", "2025-06-30"};
    static const uint64_t amt[] = {350, 350 + 10000};
    bond_run(BOND, d, amt, 2, 10000);
}
END_TEST

/* ACT/360, semiannual, month end: 2024-02-29 .. 2024-08-31. One period (the date six
 * months before maturity is 2024-02-29 = issue): 184 days, 10000*0.035*184/360 = 178.88
 * -> 178, plus the face. */
START_TEST(bond_act360_month_end)
{
    ck_assert_int_eq(issue_cash(BANK, "CNY", 10000000, ISSUER), LDG_R_OK);
    ck_assert_int_eq(issue_bond(BOND2, 10000, 100, 350, 2, AST_DAYCOUNT_ACT_360, "2024-02-29",
                                "2024-08-31", ALICE),
                     LDG_R_OK);
    static const char *const d[] = {"2024-08-31"};
    static const uint64_t amt[] = {178 + 10000};
    bond_run(BOND2, d, amt, 1, 10000);
}
END_TEST

/* 30/360, quarterly, end of month: 2024-01-31 .. 2024-07-31. Coupon dates 2024-04-30 and
 * 2024-07-31 (end-of-month rule). [01-31, 04-30): D1 31->30, 90 days; [04-30, 07-31):
 * D1 = 30 so D2 31->30, 90 days. 10000*0.035*90/360 = 87.5 -> 87 each; face at the end. */
START_TEST(bond_30360_quarterly)
{
    ck_assert_int_eq(issue_cash(BANK, "CNY", 10000000, ISSUER), LDG_R_OK);
    ck_assert_int_eq(issue_bond(BOND3, 10000, 100, 350, 4, AST_DAYCOUNT_30_360, "2024-01-31",
                                "2024-07-31", ALICE),
                     LDG_R_OK);
    static const char *const d[] = {"2024-04-30", "2024-07-31"};
    static const uint64_t amt[] = {87, 87 + 10000};
    bond_run(BOND3, d, amt, 2, 10000);
}
END_TEST

START_TEST(bond_matured_cannot_move)
{
    ck_assert_int_eq(issue_cash(BANK, "CNY", 100, ISSUER), LDG_R_OK); /* too little */
    ck_assert_int_eq(issue_bond(BOND2, 10000, 100, 350, 2, AST_DAYCOUNT_ACT_360, "2024-02-29",
                                "2024-08-31", ALICE),
                     LDG_R_OK);
    drain(ms_of("2024-08-31"));
    H.env.time_ms = ms_of("2024-08-31");
    /* Record date passed, redemption unfunded: the bond is locked. */
    ck_assert_int_eq(transfer(ALICE, BOND2, 1, BOB), AST_R_ACTION_IN_PROGRESS);
    ck_assert_uint_eq(bal(BOND2, ALICE), 100);
    conserved(BOND2);
    conserved("CNY");
}
END_TEST

/* ---- splits ---- */

START_TEST(split_forward_and_reverse)
{
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 11, ALICE, 3), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 2, BOB), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 3, CAROL), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 5, DAVE), LDG_R_OK); /* alice 1 */
    ck_assert_int_eq(split(ISSUER, EQ, 0, 1), AST_R_BAD_RATIO);
    ck_assert_int_eq(split(ISSUER, EQ, 3, 0), AST_R_BAD_RATIO);
    ck_assert_int_eq(split(ISSUER2, EQ, 3, 2), AST_R_NOT_ISSUER);
    ck_assert_int_eq(split(ISSUER, "US5949181045", 3, 2), AST_R_UNKNOWN_ASSET);
    ck_assert_int_eq(split(ISSUER, EQ, 3, 2), LDG_R_OK);
    /* holdings 1,2,3,5 -> 1,3,4,7; fractions 1,0,1,1 halves -> 1 share to the issuer. */
    drain(H.env.time_ms + 1000);
    ck_assert_uint_eq(bal(EQ, ALICE), 1);
    ck_assert_uint_eq(bal(EQ, BOB), 3);
    ck_assert_uint_eq(bal(EQ, CAROL), 4);
    ck_assert_uint_eq(bal(EQ, DAVE), 7);
    ck_assert_uint_eq(bal(EQ, ISSUER), 1);
    ck_assert_uint_eq(asset(EQ).supply, 16);
    conserved(EQ);
    /* 1:10 reverse: 1,3,4,7,1 -> 0,0,0,0,0; fractions 10+30+40+70+10 = 160 tenths -> 16/10
     * = 1 share to the issuer; floor(16/10) = 1 share exists after. */
    ck_assert_int_eq(split(ISSUER, EQ, 1, 10), LDG_R_OK);
    drain(H.env.time_ms + 1000);
    ck_assert_uint_eq(asset(EQ).supply, 1);
    ck_assert_uint_eq(bal(EQ, ISSUER), 1);
    conserved(EQ);
}
END_TEST

/* ---- rules ---- */

static ldg_result check(int from, const char *id, uint64_t qty, int to)
{
    return ast_transfer_check(H.st, H.env.time_ms, id, &H.acct[from], &H.acct[to], qty, NULL, 0);
}

static ldg_result rules(int signer, const char *id, int64_t max_holders, const char *lockup,
                        int transferable, const int *allow, int nallow)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 5);
    ldg_enc_str(e, id);
    if (max_holders < 0)
        ldg_enc_nil(e);
    else
        ldg_enc_u64(e, (uint64_t)max_holders);
    if (!lockup)
        ldg_enc_nil(e);
    else if (!*lockup)
        ldg_enc_bool(e, false);
    else
        ldg_enc_i64(e, days_of(lockup));
    if (transferable < 0)
        ldg_enc_nil(e);
    else
        ldg_enc_bool(e, transferable);
    if (nallow < 0) {
        ldg_enc_nil(e);
    } else {
        ldg_enc_array(e, (uint32_t)nallow);
        for (int i = 0; i < nallow; i++)
            ldg_enc_bin(e, H.acct[allow[i]].b, LDG_ACCOUNT_LEN);
    }
    return tx1(signer, AST_TX_RULES_SET, e);
}

START_TEST(rules_each_blocks_only_its_case)
{
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 100, ALICE, 4), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, BOB), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, "US5949181045", 10, BOB), AST_R_UNKNOWN_ASSET);
    ck_assert_int_eq(check(ALICE, EQ, 101, BOB), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_int_eq(check(ALICE, EQ, 0, BOB), AST_R_ZERO_QUANTITY);
    /* Not transferable. */
    ck_assert_int_eq(rules(BROKER, EQ, -1, NULL, 0, NULL, -1), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(rules(ISSUER2, EQ, -1, NULL, 0, NULL, -1), AST_R_NOT_ISSUER);
    ck_assert_int_eq(rules(ISSUER, EQ, -1, NULL, 0, NULL, -1), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, BOB), AST_R_NOT_TRANSFERABLE);
    ck_assert_int_eq(transfer(ALICE, EQ, 10, BOB), AST_R_NOT_TRANSFERABLE);
    ck_assert_uint_eq(bal(EQ, BOB), 0);
    ck_assert_int_eq(rules(REG1, EQ, -1, NULL, 1, NULL, -1), LDG_R_OK); /* regulator may */
    ck_assert_int_eq(check(ALICE, EQ, 10, BOB), LDG_R_OK);
    /* Lock-up until 2024-03-01: blocked on 02-29, allowed on 03-01. */
    ck_assert_int_eq(rules(ISSUER, EQ, -1, "2024-03-01", -1, NULL, -1), LDG_R_OK);
    H.env.time_ms = ms_of("2024-02-29") + 86399999;
    ck_assert_int_eq(check(ALICE, EQ, 10, BOB), AST_R_LOCKED_UP);
    H.env.time_ms = ms_of("2024-03-01");
    ck_assert_int_eq(check(ALICE, EQ, 10, BOB), LDG_R_OK);
    ck_assert_int_eq(rules(ISSUER, EQ, -1, "", -1, NULL, -1), LDG_R_OK);
    /* Allow list. */
    int allow[] = {BOB, CAROL};
    ck_assert_int_eq(rules(ISSUER, EQ, -1, NULL, -1, allow, 2), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, DAVE), AST_R_NOT_ALLOWED);
    ck_assert_int_eq(check(ALICE, EQ, 10, CAROL), LDG_R_OK);
    ck_assert_int_eq(rules(ISSUER, EQ, -1, NULL, -1, allow, 0), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, DAVE), LDG_R_OK);
    /* Max holders 2: alice + bob fine; a third refused; alice selling all is fine. */
    ck_assert_int_eq(rules(ISSUER, EQ, 2, NULL, -1, NULL, -1), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 10, BOB), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, CAROL), AST_R_MAX_HOLDERS);
    ck_assert_int_eq(check(BOB, EQ, 10, CAROL), LDG_R_OK); /* bob leaves, carol joins */
    ck_assert_int_eq(check(BOB, EQ, 5, ALICE), LDG_R_OK);  /* existing holder */
    ck_assert_int_eq(rules(ISSUER, EQ, 0, NULL, -1, NULL, -1), LDG_R_OK);
    /* Investors: ordinary C3 cannot take an R4; C4 can; professional can; expired KYC
     * blocks even a professional; unregistered accounts are not checked. */
    ck_assert_int_eq(investor(ISSUER, CAROL, 2, 3, "2030-01-01"), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(investor(BROKER, CAROL, 3, 3, "2030-01-01"), AST_R_BAD_INVESTOR);
    ck_assert_int_eq(investor(BROKER, CAROL, 2, 6, "2030-01-01"), AST_R_BAD_INVESTOR);
    ck_assert_int_eq(investor(BROKER, CAROL, 2, 3, "2030-01-01"), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, CAROL), AST_R_UNSUITABLE);
    ck_assert_int_eq(transfer(ALICE, EQ, 10, CAROL), AST_R_UNSUITABLE);
    ck_assert_int_eq(investor(BROKER, CAROL, 2, 4, "2030-01-01"), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, CAROL), LDG_R_OK);
    ck_assert_int_eq(investor(BROKER, DAVE, 1, 1, "2024-03-01"), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 10, DAVE), LDG_R_OK); /* professional, KYC valid today */
    H.env.time_ms = ms_of("2024-03-02");
    ck_assert_int_eq(check(ALICE, EQ, 10, DAVE), AST_R_KYC_EXPIRED);
    /* Cash is not subject to suitability. */
    ck_assert_int_eq(issue_cash(BANK, "CNY", 100, ALICE), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, "CNY", 10, DAVE), LDG_R_OK);
    conserved(EQ);
}
END_TEST

/* ---- controls ---- */

static ldg_result freeze(int signer, bool on, const char *id, int acct, uint64_t qty)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 4);
    ldg_enc_str(e, id);
    ldg_enc_bin(e, H.acct[acct].b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(e, qty);
    uint8_t order[32];
    memset(order, 0xab, sizeof order);
    ldg_enc_bin(e, order, 32);
    return tx1(signer, on ? AST_TX_FREEZE : AST_TX_UNFREEZE, e);
}

static ldg_result force(int signer, const char *id, uint64_t qty, int from, int to)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 5);
    ldg_enc_str(e, id);
    ldg_enc_u64(e, qty);
    ldg_enc_bin(e, H.acct[from].b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(e, H.acct[to].b, LDG_ACCOUNT_LEN);
    uint8_t order[32];
    memset(order, 0xcd, sizeof order);
    ldg_enc_bin(e, order, 32);
    return tx1(signer, AST_TX_FORCE_PROPOSE, e);
}

static ldg_result approve(int signer, uint64_t id)
{
    ldg_enc *e = enc();
    ldg_enc_array(e, 1);
    ldg_enc_u64(e, id);
    return tx1(signer, AST_TX_FORCE_APPROVE, e);
}

START_TEST(freeze_and_force_transfer)
{
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 100, ALICE, 3), LDG_R_OK);
    ck_assert_int_eq(freeze(BROKER, true, EQ, ALICE, 60), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(freeze(REG1, true, EQ, ALICE, 101), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_int_eq(freeze(REG1, true, EQ, ALICE, 60), LDG_R_OK);
    ck_assert_int_eq(check(ALICE, EQ, 41, BOB), AST_R_FROZEN);
    ck_assert_int_eq(transfer(ALICE, EQ, 41, BOB), AST_R_FROZEN);
    ck_assert_int_eq(transfer(ALICE, EQ, 40, BOB), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 1, BOB), AST_R_FROZEN);
    ck_assert_int_eq(freeze(REG1, false, EQ, ALICE, 61), AST_R_NOT_FROZEN);
    ck_assert_int_eq(freeze(REG2, false, EQ, ALICE, 10), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 10, BOB), LDG_R_OK);
    ck_assert_int_eq(transfer(ALICE, EQ, 1, BOB), AST_R_FROZEN);
    /* Force transfer of the frozen 50 to carol: one approval does nothing. */
    ck_assert_int_eq(force(BROKER, EQ, 50, ALICE, CAROL), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(force(REG1, EQ, 50, ALICE, CAROL), LDG_R_OK);
    uint64_t pid = last_id();
    ck_assert_uint_eq(bal(EQ, ALICE), 50);
    ck_assert_uint_eq(bal(EQ, CAROL), 0);
    ck_assert_int_eq(approve(REG1, pid), AST_R_SAME_REGULATOR);
    ck_assert_uint_eq(bal(EQ, CAROL), 0);
    ck_assert_int_eq(approve(BROKER, pid), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(approve(REG2, pid + 1), AST_R_UNKNOWN_PROPOSAL);
    ck_assert_int_eq(approve(REG2, pid), LDG_R_OK);
    ck_assert_uint_eq(bal(EQ, ALICE), 0);
    ck_assert_uint_eq(bal(EQ, CAROL), 50);
    uint64_t fz;
    ck_assert_int_eq(ast_frozen_get(H.st, EQ, &H.acct[ALICE], &fz), LDG_OK);
    ck_assert_uint_eq(fz, 0);
    ck_assert_int_eq(approve(REG2, pid), AST_R_PROPOSAL_CLOSED);
    ck_assert_uint_eq(bal(EQ, CAROL), 50);
    /* Frozen cash cannot be redeemed either. */
    ck_assert_int_eq(issue_cash(BANK, "CNY", 100, BOB), LDG_R_OK);
    ck_assert_int_eq(freeze(REG1, true, "CNY", BOB, 100), LDG_R_OK);
    ck_assert_int_eq(redeem_cash(BOB, "CNY", 1), AST_R_FROZEN);
    ck_assert_int_eq(transfer(BOB, "CNY", 1, ALICE), AST_R_FROZEN);
    conserved(EQ);
    conserved("CNY");
}
END_TEST

/* ---- bad input ---- */

START_TEST(bad_input_changes_nothing)
{
    ck_assert_int_eq(issue_equity(ISSUER, EQ, 100, ALICE, 3), LDG_R_OK);
    ck_assert_int_eq(issue_cash(BANK, "CNY", 1000, ISSUER), LDG_R_OK);
    ck_assert_int_eq(dividend(ISSUER, "US5949181045", 1, "2024-02-01", "2024-02-10"),
                     AST_R_UNKNOWN_ASSET);
    ck_assert_int_eq(dividend(ISSUER, EQ, 1, "2024-02-10", "2024-02-01"), AST_R_BAD_DATES);
    ck_assert_int_eq(dividend(ISSUER, EQ, 1, "2024-02-10", "2024-02-10"), AST_R_BAD_DATES);
    ck_assert_int_eq(dividend(ISSUER, EQ, 1, "2023-12-01", "2024-02-10"), AST_R_BAD_DATES);
    ck_assert_int_eq(dividend(ISSUER, EQ, 0, "2024-02-01", "2024-02-10"), AST_R_ZERO_QUANTITY);
    ck_assert_int_eq(dividend(ISSUER2, EQ, 1, "2024-02-01", "2024-02-10"), AST_R_NOT_ISSUER);
    ck_assert_int_eq(dividend(BROKER, EQ, 1, "2024-02-01", "2024-02-10"), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(issue_bond(BOND, 10000, 100, 350, 1, AST_DAYCOUNT_ACT_365F, "2025-06-30",
                                "2023-06-30", ALICE),
                     AST_R_BAD_DATES);
    ck_assert_int_eq(issue_bond(BOND, 10000, 100, 350, 3, AST_DAYCOUNT_ACT_365F, "2023-06-30",
                                "2025-06-30", ALICE),
                     AST_R_BAD_TERMS);
    ck_assert_int_eq(
        issue_bond(BOND, 0, 100, 350, 1, AST_DAYCOUNT_ACT_365F, "2023-06-30", "2025-06-30", ALICE),
        AST_R_BAD_TERMS);
    ck_assert_int_eq(issue_bond("CNE100000297", 10000, 100, 350, 1, AST_DAYCOUNT_ACT_365F,
                                "2023-06-30", "2025-06-30", ALICE),
                     AST_R_BAD_ISIN);
    bool found;
    ast_asset a;
    ck_assert_int_eq(ast_asset_get(H.st, BOND, &a, &found), LDG_OK);
    ck_assert(!found);
    /* A bond pays coupons on its schedule: no dividend or split on it. */
    ck_assert_int_eq(issue_bond(BOND, 10000, 100, 350, 1, AST_DAYCOUNT_ACT_365F, "2024-06-30",
                                "2026-06-30", ALICE),
                     LDG_R_OK);
    ck_assert_int_eq(dividend(ISSUER, BOND, 1, "2024-02-01", "2024-02-10"), AST_R_WRONG_KIND);
    ck_assert_int_eq(split(ISSUER, BOND, 2, 1), AST_R_WRONG_KIND);
    ck_assert_int_eq(split(ISSUER, EQ, 0, 1), AST_R_BAD_RATIO);
    ck_assert_uint_eq(asset(EQ).supply, 100);
    ck_assert_uint_eq(bal(EQ, ALICE), 100);
    ck_assert_uint_eq(bal("CNY", ISSUER), 1000);
    conserved(EQ);
    conserved("CNY");
    conserved(BOND);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ledger_assets");
    TCase *tc = tcase_create("all");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, cash_issue_redeem);
    tcase_add_test(tc, dividend_exact);
    tcase_add_test(tc, dividend_chunked_snapshot);
    tcase_add_test(tc, dividend_unfunded_then_funded_and_cancel);
    tcase_add_test(tc, bond_act365f_leap);
    tcase_add_test(tc, bond_act360_month_end);
    tcase_add_test(tc, bond_30360_quarterly);
    tcase_add_test(tc, bond_matured_cannot_move);
    tcase_add_test(tc, split_forward_and_reverse);
    tcase_add_test(tc, rules_each_blocks_only_its_case);
    tcase_add_test(tc, freeze_and_force_transfer);
    tcase_add_test(tc, bad_input_changes_nothing);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
