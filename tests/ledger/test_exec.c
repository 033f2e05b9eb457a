/* Unit tests for ledger/ldg_exec with the real registry (net_registry_new): envelope checks
 * (chain, expiry, unknown type, unknown sender, role), participant.register and each of its
 * rejections, replay, asset.issue_equity and asset.transfer rejections, failed transactions
 * leaving no trace but their spent id, and a seeded property test: random transfers among
 * N accounts conserve every instrument's supply and failures change nothing. */
#include "testlib.h"

#include "ast_asset.h"
#include "ldg_chain.h"
#include "ldg_exec.h"
#include "net_node.h"

#define CHAIN "folio-exec"
#define NOW_MS 1700000000000ULL
#define ISIN_A "US0378331005"
#define ISIN_B "US5949181045"
#define ISIN_C "GB0002634946"

static ldg_registry *reg;
static ldg_memkv *kv;
static ldg_state *st;
static ldg_env env = {.chain_id = CHAIN, .height = 1, .time_ms = NOW_MS};
static ldg_keypair registrar, issuer, alice, bob, stranger;

static void add_participant(ldg_genesis *g, const char *name, uint32_t roles, const ldg_keypair *k)
{
    ldg_genesis_participant *p = &g->participants[g->participant_count++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->roles = roles;
    p->key = k->pub;
}

static void setup(void)
{
    reg = net_registry_new();
    kv = ldg_memkv_new();
    st = ldg_state_new(ldg_memkv_base(kv));
    tl_key(&registrar, 10);
    tl_key(&issuer, 11);
    tl_key(&alice, 12);
    tl_key(&bob, 13);
    tl_key(&stranger, 14);
    static ldg_genesis g;
    memset(&g, 0, sizeof g);
    snprintf(g.chain_id, sizeof g.chain_id, "%s", CHAIN);
    g.validator_count = 1;
    g.validators[0] = registrar.pub;
    add_participant(&g, "registrar", LDG_ROLE_REGISTRAR, &registrar);
    add_participant(&g, "issuer", LDG_ROLE_ISSUER, &issuer);
    add_participant(&g, "alice", LDG_ROLE_INVESTOR, &alice);
    add_participant(&g, "bob", LDG_ROLE_INVESTOR | LDG_ROLE_BROKER, &bob);
    ldg_genesis_apply(st, &g);
    env.height = 1;
    env.time_ms = NOW_MS;
    env.chain_id = CHAIN;
}

static void teardown(void)
{
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_registry_free(reg);
}

/* Executes one transaction (random nonce unless deterministic) and returns its code. */
static ldg_result run_full(const ldg_keypair *k, uint64_t type, const ldg_enc *payload,
                           bool deterministic, const char *chain, uint64_t expiry,
                           ldg_receipt *rc_out)
{
    size_t len;
    uint8_t *w =
        deterministic
            ? tl_tx_build(&len, NULL, chain, &TL_NO_GENESIS, type, k, expiry, payload)
            : tl_tx_build_fresh(&len, NULL, chain, &TL_NO_GENESIS, type, k, expiry, payload);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ldg_receipt rc;
    ck_assert_int_eq(ldg_exec_tx(reg, st, &env, &tx, 0, &rc), LDG_OK);
    ldg_tx_free(&tx);
    free(w);
    if (rc_out)
        *rc_out = rc;
    return rc.code;
}

static ldg_result run(const ldg_keypair *k, uint64_t type, const ldg_enc *payload)
{
    return run_full(k, type, payload, false, CHAIN, NOW_MS + 60000, NULL);
}

static ldg_result reg_tx(const ldg_keypair *sender, const char *name, uint64_t roles,
                         const uint8_t *key)
{
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, name);
    ldg_enc_u64(&p, roles);
    ldg_enc_bin(&p, key, LDG_PUBKEY_LEN);
    ldg_result r = run(sender, LDG_TX_PARTICIPANT_REGISTER, &p);
    ldg_enc_free(&p);
    return r;
}

static ldg_result issue(const ldg_keypair *sender, const char *isin, const char *name,
                        uint64_t shares, const ldg_account *to, uint64_t risk)
{
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, isin);
    ldg_enc_str(&p, name);
    ldg_enc_u64(&p, shares);
    ldg_enc_bin(&p, to->b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, "A");
    ldg_enc_u64(&p, risk);
    ldg_result r = run(sender, AST_TX_ISSUE_EQUITY, &p);
    ldg_enc_free(&p);
    return r;
}

static void transfer_payload(ldg_enc *p, const char *isin, uint64_t qty, const ldg_account *to)
{
    ldg_enc_init(p);
    ldg_enc_array(p, 3);
    ldg_enc_str(p, isin);
    ldg_enc_u64(p, qty);
    ldg_enc_bin(p, to->b, LDG_ACCOUNT_LEN);
}

static ldg_result transfer(const ldg_keypair *sender, const char *isin, uint64_t qty,
                           const ldg_account *to)
{
    ldg_enc p;
    transfer_payload(&p, isin, qty, to);
    ldg_result r = run(sender, AST_TX_TRANSFER, &p);
    ldg_enc_free(&p);
    return r;
}

static uint64_t balance(const char *isin, const ldg_keypair *k)
{
    ldg_account a = tl_account(k);
    uint64_t q = 0;
    ck_assert_int_eq(ast_balance_get(st, isin, &a, &q), LDG_OK);
    return q;
}

/* Digest of every state key except the spent-id keys ('x'), via ordered scans. */
typedef struct digest_ctx {
    ldg_hasher h;
    size_t rows;
} digest_ctx;

static bool digest_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    digest_ctx *d = arg;
    uint32_t l[2] = {(uint32_t)kl, (uint32_t)vl};
    ldg_hasher_update(&d->h, l, sizeof l);
    ldg_hasher_update(&d->h, k, kl);
    ldg_hasher_update(&d->h, v, vl);
    d->rows++;
    return true;
}

static ldg_hash state_digest(void)
{
    digest_ctx d = {0};
    ldg_hasher_init_tagged(&d.h, "test/digest");
    const char prefixes[] = "aAbHnpvV";
    for (size_t i = 0; i < sizeof prefixes - 1; i++)
        ck_assert_int_eq(ldg_state_scan(st, &prefixes[i], 1, SIZE_MAX, digest_row, &d), LDG_OK);
    ldg_hash out;
    ldg_hasher_final(&d.h, &out);
    return out;
}

static size_t write_count(void)
{
    const ldg_write *w;
    return ldg_state_writes(st, &w);
}

START_TEST(test_register)
{
    ldg_keypair carol;
    tl_key(&carol, 20);
    ldg_receipt rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, "carol");
    ldg_enc_u64(&p, LDG_ROLE_INVESTOR | LDG_ROLE_ISSUER);
    ldg_enc_bin(&p, carol.pub.b, LDG_PUBKEY_LEN);
    ck_assert_int_eq(
        run_full(&registrar, LDG_TX_PARTICIPANT_REGISTER, &p, false, CHAIN, NOW_MS + 1000, &rc),
        LDG_R_OK);
    ldg_enc_free(&p);
    ldg_account ca = tl_account(&carol);
    ck_assert_uint_eq(rc.data_len, LDG_ACCOUNT_LEN);
    ck_assert_mem_eq(rc.data, ca.b, LDG_ACCOUNT_LEN);
    ldg_participant part;
    bool found;
    ck_assert_int_eq(ldg_participant_get(st, &ca, &part, &found), LDG_OK);
    ck_assert(found);
    ck_assert_str_eq(part.name, "carol");
    ck_assert_uint_eq(part.roles, LDG_ROLE_INVESTOR | LDG_ROLE_ISSUER);
    ck_assert_uint_eq(part.height, env.height);
    ck_assert_int_eq(ldg_participant_by_name(st, "carol", &part, &found), LDG_OK);
    ck_assert(found && memcmp(part.account.b, ca.b, LDG_ACCOUNT_LEN) == 0);

    ldg_keypair dave;
    tl_key(&dave, 21);
    /* Only a registrar may register. */
    ck_assert_int_eq(reg_tx(&alice, "dave", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(reg_tx(&issuer, "dave", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(reg_tx(&stranger, "dave", LDG_ROLE_INVESTOR, dave.pub.b),
                     LDG_R_UNKNOWN_SENDER);
    ck_assert_int_eq(reg_tx(&registrar, "carol", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_NAME_TAKEN);
    ck_assert_int_eq(reg_tx(&registrar, "alice", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_NAME_TAKEN);
    ck_assert_int_eq(reg_tx(&registrar, "carol2", LDG_ROLE_INVESTOR, carol.pub.b),
                     LDG_R_ALREADY_REGISTERED);
    ck_assert_int_eq(reg_tx(&registrar, "dave", 0, dave.pub.b), LDG_R_BAD_ROLE);
    ck_assert_int_eq(reg_tx(&registrar, "dave", LDG_ROLE_ALL + 1, dave.pub.b), LDG_R_BAD_ROLE);
    ck_assert_int_eq(reg_tx(&registrar, "dave", 1ULL << 40, dave.pub.b), LDG_R_BAD_ROLE);
    uint8_t bad[LDG_PUBKEY_LEN];
    memset(bad, 0xff, sizeof bad); /* x >= p: not a curve point */
    ck_assert(!ldg_pubkey_valid((ldg_pubkey *)bad));
    ck_assert_int_eq(reg_tx(&registrar, "dave", LDG_ROLE_INVESTOR, bad), LDG_R_BAD_KEY);
    ck_assert_int_eq(reg_tx(&registrar, "1dave", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_BAD_PAYLOAD);
    ck_assert_int_eq(reg_tx(&registrar, "da ve", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_BAD_PAYLOAD);
    /* Payload of the wrong shape. */
    ldg_enc_init(&p);
    ldg_enc_array(&p, 2);
    ldg_enc_str(&p, "dave");
    ldg_enc_u64(&p, LDG_ROLE_INVESTOR);
    ck_assert_int_eq(run(&registrar, LDG_TX_PARTICIPANT_REGISTER, &p), LDG_R_BAD_PAYLOAD);
    ldg_enc_free(&p);
    /* After all those failures dave is still unknown, and can then be registered. */
    ldg_account da = tl_account(&dave);
    ck_assert_int_eq(ldg_participant_get(st, &da, &part, &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(ldg_participant_by_name(st, "dave", &part, &found), LDG_OK);
    ck_assert(!found);
    ck_assert_int_eq(reg_tx(&registrar, "dave", LDG_ROLE_INVESTOR, dave.pub.b), LDG_R_OK);
}
END_TEST

START_TEST(test_envelope)
{
    ldg_enc p;
    ldg_account ba = tl_account(&bob);
    transfer_payload(&p, ISIN_A, 1, &ba);
    ck_assert_int_eq(run_full(&alice, AST_TX_TRANSFER, &p, false, "folio-other", NOW_MS + 1, NULL),
                     LDG_R_WRONG_CHAIN);
    ck_assert_int_eq(run_full(&alice, AST_TX_TRANSFER, &p, false, CHAIN, NOW_MS - 1, NULL),
                     LDG_R_EXPIRED);
    ck_assert_int_eq(
        run_full(&alice, AST_TX_TRANSFER, &p, false, CHAIN, NOW_MS + LDG_TX_TTL_MS_MAX + 1, NULL),
        LDG_R_EXPIRY_TOO_FAR);
    ck_assert_int_eq(run(&alice, 99, &p), LDG_R_UNKNOWN_TYPE);
    ck_assert_int_eq(run(&alice, 1000000, &p), LDG_R_UNKNOWN_TYPE);
    ck_assert_int_eq(run(&stranger, AST_TX_TRANSFER, &p), LDG_R_UNKNOWN_SENDER);
    ldg_enc_free(&p);
}
END_TEST

START_TEST(test_replay)
{
    ldg_keypair carol;
    tl_key(&carol, 30);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, "carol");
    ldg_enc_u64(&p, LDG_ROLE_INVESTOR);
    ldg_enc_bin(&p, carol.pub.b, LDG_PUBKEY_LEN);
    ck_assert_int_eq(
        run_full(&registrar, LDG_TX_PARTICIPANT_REGISTER, &p, true, CHAIN, NOW_MS + 5, NULL),
        LDG_R_OK);
    size_t writes = write_count();
    ldg_hash before = state_digest();
    ck_assert_int_eq(
        run_full(&registrar, LDG_TX_PARTICIPANT_REGISTER, &p, true, CHAIN, NOW_MS + 5, NULL),
        LDG_R_REPLAY);
    /* A replay writes nothing at all, not even its id. */
    ck_assert_uint_eq(write_count(), writes);
    ldg_hash after = state_digest();
    ck_assert_mem_eq(before.b, after.b, LDG_HASH_LEN);
    /* A failed transaction's id is spent too: the same bytes again are a replay. */
    ldg_enc_free(&p);
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, "zed");
    ldg_enc_u64(&p, 0);
    ldg_enc_bin(&p, carol.pub.b, LDG_PUBKEY_LEN);
    ck_assert_int_eq(
        run_full(&registrar, LDG_TX_PARTICIPANT_REGISTER, &p, true, CHAIN, NOW_MS + 5, NULL),
        LDG_R_BAD_ROLE);
    ck_assert_uint_eq(write_count(), writes + 1); /* only the spent id */
    ck_assert_int_eq(
        run_full(&registrar, LDG_TX_PARTICIPANT_REGISTER, &p, true, CHAIN, NOW_MS + 5, NULL),
        LDG_R_REPLAY);
    /* The spent-id record is [height, index]. */
    ldg_enc_free(&p);
}
END_TEST

START_TEST(test_issue_equity)
{
    ldg_account aa = tl_account(&alice), sa = tl_account(&stranger);
    ck_assert_int_eq(issue(&alice, ISIN_A, "Apple", 100, &aa, 3), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(issue(&stranger, ISIN_A, "Apple", 100, &aa, 3), LDG_R_UNKNOWN_SENDER);
    ck_assert_int_eq(issue(&issuer, "US0378331006", "Apple", 100, &aa, 3), AST_R_BAD_ISIN);
    ck_assert_int_eq(issue(&issuer, "US037833100", "Apple", 100, &aa, 3), AST_R_BAD_ISIN);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 0, &aa, 3), AST_R_ZERO_QUANTITY);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", LDG_QUANTITY_MAX + 1, &aa, 3),
                     AST_R_QUANTITY_TOO_LARGE);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", UINT64_MAX, &aa, 3), AST_R_QUANTITY_TOO_LARGE);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 100, &sa, 3), LDG_R_UNKNOWN_ACCOUNT);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 100, &aa, 0), AST_R_BAD_RISK);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 100, &aa, 6), AST_R_BAD_RISK);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "", 100, &aa, 3), AST_R_BAD_NAME);
    /* None of the failures created the asset. */
    ast_asset a;
    bool found;
    ck_assert_int_eq(ast_asset_get(st, ISIN_A, &a, &found), LDG_OK);
    ck_assert(!found);
    ck_assert_uint_eq(balance(ISIN_A, &alice), 0);

    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 1000, &aa, 3), LDG_R_OK);
    ck_assert_int_eq(ast_asset_get(st, ISIN_A, &a, &found), LDG_OK);
    ck_assert(found);
    ck_assert_uint_eq(a.supply, 1000);
    ck_assert_uint_eq(a.kind, AST_KIND_EQUITY);
    ck_assert_str_eq(a.name, "Apple");
    ldg_account ia = tl_account(&issuer);
    ck_assert_mem_eq(a.issuer.b, ia.b, LDG_ACCOUNT_LEN);
    ck_assert_uint_eq(balance(ISIN_A, &alice), 1000);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple again", 5, &aa, 3), AST_R_ASSET_EXISTS);
    ck_assert_uint_eq(balance(ISIN_A, &alice), 1000);
    /* The maximum is allowed. */
    ck_assert_int_eq(issue(&issuer, ISIN_B, "Microsoft", LDG_QUANTITY_MAX, &aa, 1), LDG_R_OK);
    ck_assert_uint_eq(balance(ISIN_B, &alice), LDG_QUANTITY_MAX);
}
END_TEST

START_TEST(test_transfer)
{
    ldg_account aa = tl_account(&alice), ba = tl_account(&bob), sa = tl_account(&stranger);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 1000, &aa, 3), LDG_R_OK);
    ck_assert_int_eq(transfer(&alice, ISIN_A, 400, &ba), LDG_R_OK);
    ck_assert_uint_eq(balance(ISIN_A, &alice), 600);
    ck_assert_uint_eq(balance(ISIN_A, &bob), 400);
    ldg_hash before = state_digest();
    ck_assert_int_eq(transfer(&alice, ISIN_A, 601, &ba), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_int_eq(transfer(&alice, ISIN_A, 1, &aa), AST_R_SELF_TRANSFER);
    ck_assert_int_eq(transfer(&alice, ISIN_B, 1, &ba), AST_R_UNKNOWN_ASSET);
    ck_assert_int_eq(transfer(&alice, "", 1, &ba), LDG_R_BAD_PAYLOAD);
    ck_assert_int_eq(transfer(&alice, ISIN_A, 1, &sa), LDG_R_UNKNOWN_ACCOUNT);
    ck_assert_int_eq(transfer(&alice, ISIN_A, 0, &ba), AST_R_ZERO_QUANTITY);
    ck_assert_int_eq(transfer(&alice, ISIN_A, LDG_QUANTITY_MAX + 1, &ba), AST_R_QUANTITY_TOO_LARGE);
    ck_assert_int_eq(transfer(&issuer, ISIN_A, 1, &ba), AST_R_INSUFFICIENT_BALANCE);
    ck_assert_int_eq(transfer(&stranger, ISIN_A, 1, &ba), LDG_R_UNKNOWN_SENDER);
    ldg_hash after = state_digest();
    ck_assert_mem_eq(before.b, after.b, LDG_HASH_LEN);
    /* Emptying a holding deletes it and updates the holder count. */
    ck_assert_int_eq(transfer(&alice, ISIN_A, 600, &ba), LDG_R_OK);
    ck_assert_uint_eq(balance(ISIN_A, &alice), 0);
    ck_assert_uint_eq(balance(ISIN_A, &bob), 1000);
    uint8_t hkey[1 + AST_ID_LEN] = {'H'};
    ck_assert(ast_id_key(hkey + 1, ISIN_A));
    uint64_t holders;
    ck_assert_int_eq(ldg_state_get_u64(st, hkey, sizeof hkey, &holders), LDG_OK);
    ck_assert_uint_eq(holders, 1);
}
END_TEST

START_TEST(test_overflow)
{
    /* Holdings of one instrument cannot exceed LDG_QUANTITY_MAX in total through issue and
     * transfer, so the overflow checks are exercised with the building blocks directly. */
    ldg_account aa = tl_account(&alice), ba = tl_account(&bob);
    ck_assert_int_eq(issue(&issuer, ISIN_A, "Apple", 10, &aa, 3), LDG_R_OK);
    ck_assert_int_eq(ast_credit(st, ISIN_A, &ba, LDG_QUANTITY_MAX), LDG_R_OK);
    ck_assert_int_eq(ast_credit(st, ISIN_A, &ba, 1), LDG_R_OVERFLOW);
    ldg_hash before = state_digest();
    ck_assert_int_eq(transfer(&alice, ISIN_A, 1, &ba), LDG_R_OVERFLOW);
    ldg_hash after = state_digest();
    ck_assert_mem_eq(before.b, after.b, LDG_HASH_LEN);
    ck_assert_uint_eq(balance(ISIN_A, &alice), 10);
    ck_assert_uint_eq(balance(ISIN_A, &bob), LDG_QUANTITY_MAX);
}
END_TEST

/* ---- property: conservation under random transfers ---- */

enum { ACCOUNTS = 6, INSTRUMENTS = 3, TRANSFERS = 1500 };
static const char *const isins[INSTRUMENTS] = {ISIN_A, ISIN_B, ISIN_C};

typedef struct sum_ctx {
    uint64_t sum;
    uint64_t nonzero;
} sum_ctx;

static bool sum_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    sum_ctx *s = arg;
    ck_assert_uint_eq(kl, 1 + AST_ID_LEN + LDG_ACCOUNT_LEN);
    uint64_t q = 0;
    if (vl == 1) {
        q = v[0];
    } else {
        ck_assert(vl >= 2 && vl <= 9);
        for (size_t i = 1; i < vl; i++)
            q = q << 8 | v[i];
    }
    ck_assert_uint_gt(q, 0); /* zero holdings are never stored */
    ck_assert(!__builtin_add_overflow(s->sum, q, &s->sum));
    s->nonzero++;
    return true;
}

START_TEST(test_conservation)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_exec conservation", 0xc0175e7eULL));
    ldg_keypair acct[ACCOUNTS];
    for (int i = 0; i < ACCOUNTS; i++) {
        tl_key(&acct[i], 100 + (uint32_t)i);
        char name[16];
        snprintf(name, sizeof name, "acct%d", i);
        ck_assert_int_eq(reg_tx(&registrar, name, LDG_ROLE_INVESTOR, acct[i].pub.b), LDG_R_OK);
    }
    uint64_t model[INSTRUMENTS][ACCOUNTS] = {{0}}, supply[INSTRUMENTS];
    for (int k = 0; k < INSTRUMENTS; k++) {
        supply[k] = 1 + tl_rng_below(&r, k == 2 ? LDG_QUANTITY_MAX : 1000000);
        int to = (int)tl_rng_below(&r, ACCOUNTS);
        ldg_account ta = tl_account(&acct[to]);
        ck_assert_int_eq(issue(&issuer, isins[k], "Instrument", supply[k], &ta, 2), LDG_R_OK);
        model[k][to] = supply[k];
    }
    size_t ok = 0, failed = 0;
    for (int t = 0; t < TRANSFERS; t++) {
        int from = (int)tl_rng_below(&r, ACCOUNTS);
        int to = (int)tl_rng_below(&r, ACCOUNTS);
        int k = (int)tl_rng_below(&r, INSTRUMENTS + 1); /* INSTRUMENTS = unknown asset */
        uint64_t have = k < INSTRUMENTS ? model[k][from] : 0;
        uint64_t qty;
        switch (tl_rng_below(&r, 6)) {
        case 0:
            qty = have + 1 + tl_rng_below(&r, 10); /* too much */
            break;
        case 1:
            qty = have; /* everything (or zero) */
            break;
        default:
            qty = have ? 1 + tl_rng_below(&r, have) : tl_rng_below(&r, 3);
        }
        ldg_account ta = tl_account(&acct[to]);
        ldg_hash before = state_digest();
        size_t writes = write_count();
        ldg_result res =
            transfer(&acct[from], k < INSTRUMENTS ? isins[k] : "US0000000000", qty, &ta);
        ldg_result want = LDG_R_OK;
        if (k == INSTRUMENTS)
            want = AST_R_UNKNOWN_ASSET;
        else if (qty == 0)
            want = AST_R_ZERO_QUANTITY;
        else if (qty > LDG_QUANTITY_MAX)
            want = AST_R_QUANTITY_TOO_LARGE;
        else if (from == to)
            want = AST_R_SELF_TRANSFER;
        else if (qty > have)
            want = AST_R_INSUFFICIENT_BALANCE;
        ck_assert_msg(res == want, "transfer %d: got %s, want %s", t, ldg_result_name(res),
                      ldg_result_name(want));
        if (res == LDG_R_OK) {
            model[k][from] -= qty;
            model[k][to] += qty;
            ok++;
        } else {
            ldg_hash after = state_digest();
            ck_assert_msg(memcmp(before.b, after.b, LDG_HASH_LEN) == 0,
                          "failed transfer %d changed state", t);
            ck_assert_uint_eq(write_count(), writes + 1); /* its spent id, nothing else */
            failed++;
        }
    }
    ck_assert_uint_gt(ok, TRANSFERS / 5);
    ck_assert_uint_gt(failed, TRANSFERS / 10);
    for (int k = 0; k < INSTRUMENTS; k++) {
        uint8_t prefix[1 + AST_ID_LEN] = {'b'};
        ck_assert(ast_id_key(prefix + 1, isins[k]));
        sum_ctx s = {0};
        ck_assert_int_eq(ldg_state_scan(st, prefix, sizeof prefix, SIZE_MAX, sum_row, &s), LDG_OK);
        ck_assert_msg(s.sum == supply[k], "%s: holdings sum %llu, supply %llu", isins[k],
                      (unsigned long long)s.sum, (unsigned long long)supply[k]);
        uint64_t nonzero = 0;
        for (int i = 0; i < ACCOUNTS; i++) {
            ck_assert_uint_eq(balance(isins[k], &acct[i]), model[k][i]);
            nonzero += model[k][i] != 0;
        }
        ck_assert_uint_eq(s.nonzero, nonzero);
        uint8_t hkey[1 + AST_ID_LEN] = {'H'};
        ck_assert(ast_id_key(hkey + 1, isins[k]));
        uint64_t holders;
        ck_assert_int_eq(ldg_state_get_u64(st, hkey, sizeof hkey, &holders), LDG_OK);
        ck_assert_uint_eq(holders, nonzero);
        ast_asset a;
        bool found;
        ck_assert_int_eq(ast_asset_get(st, isins[k], &a, &found), LDG_OK);
        ck_assert(found && a.supply == supply[k]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("exec");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_register);
    tcase_add_test(tc, test_envelope);
    tcase_add_test(tc, test_replay);
    tcase_add_test(tc, test_issue_equity);
    tcase_add_test(tc, test_transfer);
    tcase_add_test(tc, test_overflow);
    tcase_add_test(tc, test_conservation);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
