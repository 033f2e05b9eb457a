/* Unit tests for ledger/ldg_chain over a real store in a temporary directory: genesis,
 * propose/execute/commit with a one-validator certificate, the tip and read_block after
 * close/reopen, find_tx, refusal of blocks with a wrong prev_hash, tx_root, height, time,
 * tx count or signature (also a validly re-signed copy of a transaction: the tx_root
 * covers signatures), ldg_chain_verify on a good chain, and verify reporting the broken
 * height after stored blocks are tampered with. */
#include "testlib.h"

#include "ldg_smt.h"

#include "ast_asset.h"
#include "ast_history.h"
#include "gov_module.h"
#include "ldg_chain.h"
#include "net_node.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHAIN "folio-chain"
#define T0 1700000000000ULL
#define ISIN "US0378331005"

static char dir[PATH_MAX];
static ldg_registry *reg;
static ldg_genesis gen;
static ldg_hash gen_hash; /* what the transactions sign */
static ldg_keypair val, registrar, issuer, alice, bob;

static void setup(void)
{
    tl_tmpdir(dir, "chain");
    reg = net_registry_new();
    tl_key(&val, 1);
    tl_key(&registrar, 2);
    tl_key(&issuer, 3);
    tl_key(&alice, 4);
    tl_key(&bob, 5);
    const char *names[] = {"registrar", "issuer", "alice", "bob"};
    uint32_t roles[] = {LDG_ROLE_REGISTRAR, LDG_ROLE_ISSUER, LDG_ROLE_INVESTOR, LDG_ROLE_INVESTOR};
    const ldg_keypair *keys[] = {&registrar, &issuer, &alice, &bob};
    tl_genesis(&gen, CHAIN, T0, &val, 4, names, roles, keys);
    ldg_genesis_hash(&gen_hash, &gen);
}

static void teardown(void)
{
    ldg_registry_free(reg);
    tl_rmrf(dir);
}

/* A batch of transactions (wire bytes owned here). */
typedef struct batch {
    uint8_t *w[8];
    size_t len[8];
    ldg_hash id[8];
    uint32_t n;
} batch;

static void batch_free(batch *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        free(b->w[i]);
    b->n = 0;
}

static void add_issue(batch *b, uint64_t shares, const ldg_keypair *to)
{
    ldg_account a = tl_account(to);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, ISIN);
    ldg_enc_str(&p, "Apple");
    ldg_enc_u64(&p, shares);
    ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, "A");
    ldg_enc_u64(&p, 3);
    b->w[b->n] = tl_tx_build_fresh(&b->len[b->n], &b->id[b->n], CHAIN, &gen_hash,
                                   AST_TX_ISSUE_EQUITY, &issuer, T0 + 100000, &p);
    b->n++;
    ldg_enc_free(&p);
}

static void add_transfer(batch *b, const ldg_keypair *from, const ldg_keypair *to, uint64_t qty)
{
    ldg_account a = tl_account(to);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, ISIN);
    ldg_enc_u64(&p, qty);
    ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
    b->w[b->n] = tl_tx_build_fresh(&b->len[b->n], &b->id[b->n], CHAIN, &gen_hash, AST_TX_TRANSFER,
                                   from, T0 + 100000, &p);
    b->n++;
    ldg_enc_free(&p);
}

static void make_cert(ldg_cert *cert, const ldg_header *h)
{
    tl_cert_one(cert, h, &val);
}

/* propose -> execute -> commit; returns the header and fills receipts' codes. */
static ldg_header produce(ldg_chain *c, batch *b, uint64_t time_ms, ldg_result *codes,
                          ldg_hash *root)
{
    ldg_header h;
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b->w, b->len, b->n, time_ms, &val.pub, &h),
        LDG_OK);
    ldg_exec_out out;
    ck_assert_int_eq(
        ldg_chain_execute(c, &h, (const uint8_t *const *)b->w, b->len, NULL, false, &out), LDG_OK);
    ck_assert_uint_eq(out.count, b->n);
    for (uint32_t i = 0; i < b->n && codes; i++)
        codes[i] = out.receipts[i].code;
    if (root)
        *root = out.state_root;
    ldg_cert cert;
    make_cert(&cert, &h);
    ck_assert_int_eq(ldg_chain_commit(c, &h, (const uint8_t *const *)b->w, b->len, &cert, &out),
                     LDG_OK);
    ldg_exec_out_free(&out);
    return h;
}

static uint64_t bal(ldg_chain *c, const ldg_keypair *k)
{
    ldg_state *rd = ldg_chain_reader(c);
    ldg_account a = tl_account(k);
    uint64_t q = 0;
    ck_assert_int_eq(ast_balance_get(rd, ISIN, &a, &q), LDG_OK);
    ldg_state_free(rd);
    return q;
}

/* Builds blocks 1 and 2: issue 1000 to alice, alice -> bob 300; then bob -> alice 50 and a
 * failing transfer (bob has too little). */
static void build_two_blocks(ldg_chain *c, batch *b1, batch *b2, ldg_header *h1, ldg_header *h2)
{
    add_issue(b1, 1000, &alice);
    add_transfer(b1, &alice, &bob, 300);
    ldg_result codes[8];
    *h1 = produce(c, b1, T0 + 1000, codes, NULL);
    ck_assert_int_eq(codes[0], LDG_R_OK);
    ck_assert_int_eq(codes[1], LDG_R_OK);
    add_transfer(b2, &bob, &alice, 50);
    add_transfer(b2, &bob, &alice, 5000);
    *h2 = produce(c, b2, T0 + 2000, codes, NULL);
    ck_assert_int_eq(codes[0], LDG_R_OK);
    ck_assert_int_eq(codes[1], AST_R_INSUFFICIENT_BALANCE);
}

START_TEST(test_open_needs_genesis)
{
    ldg_chain *c = NULL;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_ERR_NOT_FOUND);
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    ck_assert_str_eq(ldg_chain_id(c), CHAIN);
    ldg_tip t = ldg_chain_tip(c);
    ck_assert_uint_eq(t.height, 0);
    ck_assert_uint_eq(t.time_ms, T0);
    ck_assert_uint_eq(t.tx_total, 0);
    ldg_pubkey vals[4];
    ck_assert_uint_eq(ldg_chain_validators(c, vals, 4), 1);
    ck_assert_mem_eq(vals[0].b, val.pub.b, LDG_PUBKEY_LEN);
    /* Block 0 carries the genesis document. */
    ldg_record r;
    ck_assert_int_eq(ldg_chain_read_block(c, 0, &r), LDG_OK);
    ldg_genesis back;
    ck_assert_int_eq(ldg_genesis_decode(&back, r.genesis, r.genesis_len), LDG_OK);
    ck_assert_str_eq(back.chain_id, CHAIN);
    ck_assert_uint_eq(back.participant_count, 4);
    ck_assert_str_eq(back.participants[2].name, "alice");
    ck_assert_mem_eq(r.hash.b, t.hash.b, LDG_HASH_LEN);
    ck_assert_mem_eq(r.state_root.b, t.state_root.b, LDG_HASH_LEN);
    ldg_record_free(&r);
    ck_assert_int_ne(ldg_chain_read_block(c, 1, &r), LDG_OK);
    ldg_chain_close(c);
}
END_TEST

START_TEST(test_commit_reopen_read)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    batch b1 = {0}, b2 = {0};
    ldg_header h1, h2;
    build_two_blocks(c, &b1, &b2, &h1, &h2);
    ldg_tip t = ldg_chain_tip(c);
    ck_assert_uint_eq(t.height, 2);
    ck_assert_uint_eq(t.time_ms, T0 + 2000);
    ck_assert_uint_eq(t.tx_total, 4);
    ldg_hash hash2;
    ldg_header_hash(&hash2, &h2);
    ck_assert_mem_eq(t.hash.b, hash2.b, LDG_HASH_LEN);
    ck_assert_uint_eq(bal(c, &alice), 750);
    ck_assert_uint_eq(bal(c, &bob), 250);
    ldg_chain_close(c);

    /* Reopen without a genesis: everything is read back from the store. */
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    ldg_tip t2 = ldg_chain_tip(c);
    ck_assert_uint_eq(t2.height, 2);
    ck_assert_uint_eq(t2.tx_total, 4);
    ck_assert_mem_eq(t2.hash.b, t.hash.b, LDG_HASH_LEN);
    ck_assert_mem_eq(t2.state_root.b, t.state_root.b, LDG_HASH_LEN);
    ck_assert_uint_eq(bal(c, &alice), 750);
    ck_assert_uint_eq(bal(c, &bob), 250);

    ldg_record r;
    ck_assert_int_eq(ldg_chain_read_block(c, 2, &r), LDG_OK);
    ck_assert_uint_eq(r.header.height, 2);
    ck_assert_mem_eq(r.hash.b, hash2.b, LDG_HASH_LEN);
    ck_assert_mem_eq(r.header.prev_hash.b, h2.prev_hash.b, LDG_HASH_LEN);
    ck_assert_mem_eq(r.header.tx_root.b, h2.tx_root.b, LDG_HASH_LEN);
    ck_assert_mem_eq(r.state_root.b, t.state_root.b, LDG_HASH_LEN);
    ck_assert_uint_eq(r.tx_count, 2);
    for (uint32_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(r.tx_lens[i], b2.len[i]);
        ck_assert_mem_eq(r.txs[i], b2.w[i], b2.len[i]);
    }
    ck_assert_int_eq(r.receipts[0].code, LDG_R_OK);
    ck_assert_int_eq(r.receipts[1].code, AST_R_INSUFFICIENT_BALANCE);
    ck_assert_uint_gt(strlen(r.receipts[1].detail), 0);
    ldg_pubkey vals[1] = {val.pub};
    ck_assert(ldg_cert_verify(&r.cert, CHAIN, vals, 1));
    ck_assert_uint_eq(r.cert.height, 2);
    ldg_record_free(&r);

    /* Block 1 links to block 0. */
    ldg_record r0, r1;
    ck_assert_int_eq(ldg_chain_read_block(c, 0, &r0), LDG_OK);
    ck_assert_int_eq(ldg_chain_read_block(c, 1, &r1), LDG_OK);
    ck_assert_mem_eq(r1.header.prev_hash.b, r0.hash.b, LDG_HASH_LEN);
    ck_assert_mem_eq(r1.header.prev_state_root.b, r0.state_root.b, LDG_HASH_LEN);
    ldg_record_free(&r0);
    ldg_record_free(&r1);

    /* Committed transactions are found, failed ones too (their id is spent). */
    uint64_t height;
    uint32_t index;
    ck_assert_int_eq(ldg_chain_find_tx(c, &b1.id[1], &height, &index), LDG_OK);
    ck_assert(height == 1 && index == 1);
    ck_assert_int_eq(ldg_chain_find_tx(c, &b2.id[1], &height, &index), LDG_OK);
    ck_assert(height == 2 && index == 1);
    ldg_hash nope = {{7}};
    ck_assert_int_eq(ldg_chain_find_tx(c, &nope, &height, &index), LDG_ERR_NOT_FOUND);

    /* A replayed transaction in a later block is a REPLAY receipt, not a failure. */
    batch b3 = {0};
    b3.w[0] = malloc(b1.len[1]);
    memcpy(b3.w[0], b1.w[1], b1.len[1]);
    b3.len[0] = b1.len[1];
    b3.n = 1;
    ldg_result codes[1];
    produce(c, &b3, T0 + 3000, codes, NULL);
    ck_assert_int_eq(codes[0], LDG_R_REPLAY);
    ck_assert_uint_eq(bal(c, &bob), 250);

    ldg_verify_report rep;
    ck_assert_int_eq(ldg_chain_verify(c, reg, &rep, NULL, NULL), LDG_OK);
    ck_assert_msg(rep.ok, "verify: %s at %llu", rep.reason, (unsigned long long)rep.broken_height);
    ck_assert_uint_eq(rep.blocks, 4);
    ck_assert_uint_eq(rep.txs, 5);
    ldg_chain_close(c);
    batch_free(&b1);
    batch_free(&b2);
    batch_free(&b3);
}
END_TEST

/* The rows of the index under prefix, forward (or backward from start), decoded. */
typedef struct moves {
    ast_movement m[8];
    ldg_note_row r[8];
    size_t n;
} moves;

static bool collect_move(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k;
    (void)kl;
    moves *ms = arg;
    ck_assert_uint_lt(ms->n, 8);
    ck_assert(ldg_note_row_parse(v, vl, &ms->r[ms->n]));
    ck_assert_int_eq(ast_movement_decode(ms->r[ms->n].val, ms->r[ms->n].vlen, &ms->m[ms->n]),
                     LDG_OK);
    ms->r[ms->n].val = NULL; /* points into the store's buffer: gone after the call */
    ms->n++;
    return true;
}

static moves account_moves(ldg_chain *c, const ldg_keypair *k)
{
    moves ms = {0};
    uint8_t prefix[1 + LDG_ACCOUNT_LEN];
    ldg_account a = tl_account(k);
    size_t plen = ast_history_prefix_account(prefix, &a);
    ck_assert_int_eq(ldg_chain_index_scan(c, prefix, plen, prefix, plen, collect_move, &ms),
                     LDG_OK);
    return ms;
}

/* The holding as of a height: the balance of the last movement at or before it, found by
 * one backward seek (what the statement RPC does). */
static uint64_t holding_at(ldg_chain *c, const ldg_keypair *k, uint64_t height)
{
    uint8_t start[1 + LDG_ACCOUNT_LEN + AST_ID_LEN + 12];
    ldg_account a = tl_account(k);
    size_t plen = ast_history_prefix_instrument(start, &a, ISIN);
    for (int i = 0; i < 8; i++)
        start[plen + i] = (uint8_t)(height >> (56 - 8 * i));
    memset(start + plen + 8, 0xff, 4);
    moves ms = {0};
    ck_assert_int_eq(
        ldg_chain_index_scan_back(c, start, plen, start, sizeof start, collect_move, &ms), LDG_OK);
    return ms.n ? ms.m[0].balance : 0;
}

/* Every committed holding change is in the index, in block order, with its reason, the
 * other side, the transaction and the balance after it; a failed transaction leaves none;
 * past holdings read back by a backward seek; a rebuilt index equals the one written at
 * commit. */
START_TEST(test_index_of_movements)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    batch b1 = {0}, b2 = {0};
    ldg_header h1, h2;
    build_two_blocks(c, &b1, &b2, &h1, &h2);
    ck_assert(ldg_chain_index_ready(c));
    moves ms = account_moves(c, &alice);
    ck_assert_uint_eq(ms.n, 3); /* issue +1000, -300 to bob, +50 from bob; not the failed one */
    uint64_t want_bal[] = {1000, 700, 750}, want_h[] = {1, 1, 2};
    uint64_t want_why[] = {AST_WHY_ISSUANCE, AST_WHY_TRANSFER, AST_WHY_TRANSFER};
    const ldg_hash *want_tx[] = {&b1.id[0], &b1.id[1], &b2.id[0]};
    ldg_account ab = tl_account(&bob);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(ms.m[i].balance, want_bal[i]);
        ck_assert_uint_eq(ms.r[i].height, want_h[i]);
        ck_assert_uint_eq(ms.m[i].reason, want_why[i]);
        ck_assert(ms.r[i].origin.in_tx);
        ck_assert_mem_eq(ms.r[i].origin.txid.b, want_tx[i]->b, LDG_HASH_LEN);
    }
    ck_assert_uint_eq(ms.r[0].time_ms, T0 + 1000);
    ck_assert(ms.m[1].has_counterparty && ms.m[1].out == 300 && ms.m[1].in == 0);
    ck_assert_mem_eq(ms.m[1].counterparty.b, ab.b, LDG_ACCOUNT_LEN);
    ck_assert(ms.m[2].in == 50 && ms.r[1].seq < ms.r[2].seq + 1000);
    ck_assert_uint_eq(account_moves(c, &bob).n, 2);

    ck_assert_uint_eq(holding_at(c, &alice, 0), 0);
    ck_assert_uint_eq(holding_at(c, &alice, 1), 700);
    ck_assert_uint_eq(holding_at(c, &alice, 2), 750);
    ck_assert_uint_eq(holding_at(c, &bob, 1), 300);
    ck_assert_uint_eq(holding_at(c, &bob, 9), 250);
    uint64_t h, t;
    ck_assert_int_eq(ldg_chain_height_at(c, T0 + 1500, &h), LDG_OK);
    ck_assert_uint_eq(h, 2);
    ck_assert_int_eq(ldg_chain_block_time(c, 1, &t), LDG_OK);
    ck_assert_uint_eq(t, T0 + 1000);

    ldg_verify_report rep;
    ck_assert_int_eq(ldg_chain_reindex(c, &rep), LDG_OK);
    ck_assert(ldg_chain_index_ready(c));
    moves again = account_moves(c, &alice);
    ck_assert_uint_eq(again.n, ms.n);
    for (size_t i = 0; i < ms.n; i++) {
        ck_assert_mem_eq(&again.m[i], &ms.m[i], sizeof ms.m[i]);
        ck_assert_mem_eq(&again.r[i], &ms.r[i], sizeof ms.r[i]);
    }
    ldg_chain_close(c);
    batch_free(&b1);
    batch_free(&b2);
}
END_TEST

static ldg_err try_execute(ldg_chain *c, const ldg_header *h, batch *b)
{
    ldg_exec_out out;
    ldg_err err = ldg_chain_execute(c, h, (const uint8_t *const *)b->w, b->len, NULL, false, &out);
    if (err == LDG_OK)
        ldg_exec_out_free(&out);
    return err;
}

/* ldg_chain_check (what a validator votes on, without executing) over the same bytes. */
static ldg_err try_check(ldg_chain *c, const ldg_header *h, batch *b)
{
    ldg_tx_ref refs[16];
    ck_assert_uint_le(b->n, 16);
    for (uint32_t i = 0; i < b->n; i++) {
        ldg_tx tx;
        ck_assert_int_eq(ldg_tx_decode(&tx, b->w[i], b->len[i]), LDG_R_OK);
        refs[i] = ldg_tx_ref_of(&tx);
        ldg_tx_free(&tx);
    }
    return ldg_chain_check(c, h, refs, b->len, b->n);
}

/* Header-level faults: refused by the check and by execution alike. */
#define ck_refused(c, h, b)                                                                        \
    do {                                                                                           \
        ck_assert_int_eq(try_check(c, h, b), LDG_ERR_INVALID);                                     \
        ck_assert_int_eq(try_execute(c, h, b), LDG_ERR_INVALID);                                   \
    } while (0)

START_TEST(test_execute_refuses_bad_blocks)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    batch b = {0};
    add_issue(&b, 1000, &alice);
    add_transfer(&b, &alice, &bob, 10);
    ldg_header good;
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b.w, b.len, b.n, T0 + 10, &val.pub, &good),
        LDG_OK);
    ck_assert_int_eq(try_check(c, &good, &b), LDG_OK);
    ldg_header h = good;
    h.prev_hash.b[5] ^= 1;
    ck_refused(c, &h, &b);
    h = good;
    h.tx_root.b[0] ^= 0x80;
    ck_refused(c, &h, &b);
    h = good;
    h.prev_state_root.b[31] ^= 1;
    ck_refused(c, &h, &b);
    h = good;
    h.height = 2;
    ck_refused(c, &h, &b);
    h = good;
    h.time_ms = T0; /* does not advance past genesis */
    ck_refused(c, &h, &b);
    h = good;
    snprintf(h.chain_id, sizeof h.chain_id, "folio-other");
    ck_refused(c, &h, &b);
    /* Transactions in another order do not match the tx_root. */
    batch swapped = b;
    swapped.w[0] = b.w[1], swapped.len[0] = b.len[1];
    swapped.w[1] = b.w[0], swapped.len[1] = b.len[0];
    ck_refused(c, &good, &swapped);
    /* Fewer transactions than the header says. */
    h = good;
    h.tx_count = 1;
    ck_refused(c, &h, &b);
    /* A bad signature: not the bytes the header's tx_root covers. */
    uint8_t *copy = malloc(b.len[1]);
    memcpy(copy, b.w[1], b.len[1]);
    copy[b.len[1] - 1] ^= 1;
    batch badsig = b;
    badsig.w[1] = copy;
    ck_refused(c, &good, &badsig);
    /* A header whose tx_root does cover the bad signature passes the check (which does not
     * verify signatures) but not execution, unless the caller vouches for the signature. */
    ldg_header hbad;
    ck_assert_int_eq(ldg_chain_propose(c, (const uint8_t *const *)badsig.w, badsig.len, badsig.n,
                                       T0 + 10, &val.pub, &hbad),
                     LDG_OK);
    ck_assert_int_eq(try_check(c, &hbad, &badsig), LDG_OK);
    ck_assert_int_eq(try_execute(c, &hbad, &badsig), LDG_ERR_INVALID);
    free(copy);
    /* A valid signature other than the proposed one (the sender re-signed the same id):
     * the same transaction id, but not the bytes the tx_root covers. */
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, b.w[1], b.len[1]), LDG_R_OK);
    ldg_sig resig;
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, &gen_hash, &tx.id);
    ck_assert_int_eq(ldg_sign(&resig, &alice, &msg), LDG_OK);
    ldg_tx_free(&tx);
    copy = malloc(b.len[1]);
    memcpy(copy, b.w[1], b.len[1]);
    memcpy(copy + b.len[1] - LDG_SIG_LEN, resig.b, LDG_SIG_LEN);
    ck_assert_int_eq(ldg_tx_decode(&tx, copy, b.len[1]), LDG_R_OK);
    ck_assert(ldg_tx_verify(&tx, &gen_hash));
    ldg_tx_free(&tx);
    batch resigned = b;
    resigned.w[1] = copy;
    ck_refused(c, &good, &resigned);
    free(copy);
    /* Bytes that do not decode. */
    uint8_t junk[] = {0x92, 0x01};
    batch bad = b;
    bad.w[1] = junk, bad.len[1] = sizeof junk;
    ck_assert_int_eq(try_execute(c, &good, &bad), LDG_ERR_INVALID);
    /* The good block still goes through after all the refusals, and the tip moved only
     * once. */
    ck_assert_uint_eq(ldg_chain_tip(c).height, 0);
    ldg_exec_out out;
    ck_assert_int_eq(
        ldg_chain_execute(c, &good, (const uint8_t *const *)b.w, b.len, NULL, false, &out), LDG_OK);
    ck_assert_uint_eq(out.ok_count, 2);
    ldg_cert cert;
    make_cert(&cert, &good);
    ck_assert_int_eq(ldg_chain_commit(c, &good, (const uint8_t *const *)b.w, b.len, &cert, &out),
                     LDG_OK);
    ldg_exec_out_free(&out);
    ck_assert_uint_eq(ldg_chain_tip(c).height, 1);
    /* The same header again is now stale. */
    ck_assert_int_eq(try_execute(c, &good, &b), LDG_ERR_INVALID);
    ck_assert_uint_eq(bal(c, &bob), 10);
    /* An abandoned execution leaves nothing behind. */
    batch b2 = {0};
    add_transfer(&b2, &bob, &alice, 10);
    ldg_header h2;
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b2.w, b2.len, b2.n, T0 + 20, &val.pub, &h2),
        LDG_OK);
    ck_assert_int_eq(try_execute(c, &h2, &b2), LDG_OK);
    ldg_chain_abandon(c);
    ck_assert_uint_eq(bal(c, &bob), 10);
    ldg_chain_close(c);
    batch_free(&b);
    batch_free(&b2);
}
END_TEST

/* Overwrites the stored record of a height (through the store API). */
static void store_put_block(ldg_chain *c, uint64_t height, const uint8_t *v, size_t vl)
{
    uint8_t key[8];
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(height >> (56 - 8 * i));
    ldg_batch *b = ldg_batch_new(ldg_chain_store(c));
    ldg_batch_put(b, LDG_CF_BLOCKS, key, 8, v, vl);
    ck_assert_int_eq(ldg_store_write(ldg_chain_store(c), b, true), LDG_OK);
    ldg_batch_free(b);
}

static uint8_t *store_get_block(ldg_chain *c, uint64_t height, size_t *vl)
{
    uint8_t key[8];
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(height >> (56 - 8 * i));
    uint8_t *v;
    ck_assert_int_eq(ldg_store_get(ldg_chain_store(c), LDG_CF_BLOCKS, key, 8, &v, vl), LDG_OK);
    return v;
}

static ldg_verify_report verify(ldg_chain *c)
{
    ldg_verify_report rep;
    ck_assert_int_eq(ldg_chain_verify(c, reg, &rep, NULL, NULL), LDG_OK);
    return rep;
}

/* ---- governed block limits (block.max_txs) ---- */

/* A block of up to 80 transactions (the governed floor is LDG_BLOCK_TX_FLOOR, 64). */
typedef struct big {
    uint8_t *w[80];
    size_t len[80];
    uint32_t n;
} big;

static void big_free(big *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        free(b->w[i]);
    b->n = 0;
}

static void big_tx(big *b, uint16_t type, const ldg_keypair *kp, const ldg_enc *p)
{
    ldg_hash id;
    ck_assert_uint_lt(b->n, 80);
    b->w[b->n] = tl_tx_build_fresh(&b->len[b->n], &id, CHAIN, &gen_hash, type, kp, T0 + 100000, p);
    b->n++;
}

/* n transfers of 1 share alice -> bob. */
static void big_transfers(big *b, uint32_t n)
{
    ldg_account a = tl_account(&bob);
    for (uint32_t i = 0; i < n; i++) {
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, ISIN);
        ldg_enc_u64(&p, 1);
        ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
        big_tx(b, AST_TX_TRANSFER, &alice, &p);
        ldg_enc_free(&p);
    }
}

static ldg_err big_block(ldg_chain *c, big *b, uint64_t time_ms, bool commit)
{
    ldg_header h;
    ldg_tx_ref *refs = calloc(b->n, sizeof *refs);
    for (uint32_t i = 0; i < b->n; i++) {
        ldg_tx tx;
        ck_assert_int_eq(ldg_tx_decode(&tx, b->w[i], b->len[i]), LDG_R_OK);
        refs[i] = ldg_tx_ref_of(&tx);
        ldg_tx_free(&tx);
    }
    /* The header as a proposer that ignored the limits would make it. */
    ldg_tip tip = ldg_chain_head(c);
    memset(&h, 0, sizeof h);
    h.version = LDG_BLOCK_VERSION;
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    h.height = tip.height + 1;
    h.time_ms = time_ms;
    h.prev_hash = tip.hash;
    h.prev_state_root = tip.state_root;
    ldg_tx_root(&h.tx_root, refs, b->n);
    h.tx_count = b->n;
    h.proposer = val.pub;
    ldg_err err = ldg_chain_check(c, &h, refs, b->len, b->n);
    free(refs);
    if (err != LDG_OK)
        return err;
    ldg_exec_out out;
    err = ldg_chain_execute(c, &h, (const uint8_t *const *)b->w, b->len, NULL, false, &out);
    if (err != LDG_OK)
        return err;
    for (uint32_t i = 0; i < out.count; i++)
        ck_assert_msg(out.receipts[i].code == LDG_R_OK, "tx %u: %s", i,
                      ldg_result_name(out.receipts[i].code));
    if (commit) {
        ldg_cert cert;
        make_cert(&cert, &h);
        err = ldg_chain_commit(c, &h, (const uint8_t *const *)b->w, b->len, &cert, &out);
    } else {
        ldg_chain_abandon(c);
    }
    ldg_exec_out_free(&out);
    return err;
}

/* The committee (the genesis registrar, weight 1) lowers block.max_txs to 64: the block
 * that activates it may still carry 65 (the value in force at a height is the one the
 * state after the previous block holds), every later one with 65 is refused by the check,
 * by execution and by the proposer with LDG_ERR_TOO_LARGE and changes nothing; 64 pass;
 * chain verify accepts the whole chain, and the value survives a reopen. */
START_TEST(test_governed_block_limits)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    ck_assert_uint_eq(ldg_chain_block_limits(c).max_txs, LDG_BLOCK_TX_MAX);
    ck_assert_uint_eq(ldg_chain_block_limits(c).max_bytes, LDG_BLOCK_SIZE_MAX);
    big b = {0};
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, ISIN);
    ldg_enc_str(&p, "Apple");
    ldg_enc_u64(&p, 1000);
    ldg_account aa = tl_account(&alice);
    ldg_enc_bin(&p, aa.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, "A");
    ldg_enc_u64(&p, 3);
    big_tx(&b, AST_TX_ISSUE_EQUITY, &issuer, &p);
    ldg_enc_free(&p);
    /* block 1: propose block.max_txs = 64 (activation 1 block after passing), vote yes */
    gov_params gp = {.kind = GOV_KIND_PARAM_SET, .name = "block.max_txs", .value = 64};
    ldg_enc_init(&p);
    ldg_enc_array(&p, 4);
    ldg_enc_u64(&p, gp.kind);
    gov_params_encode(&p, &gp);
    ldg_enc_u64(&p, 50);
    ldg_enc_u64(&p, 1);
    big_tx(&b, GOV_TX_PROPOSE, &registrar, &p);
    ldg_enc_free(&p);
    ldg_enc_init(&p);
    ldg_enc_array(&p, 2);
    ldg_enc_u64(&p, 1);
    ldg_enc_u64(&p, GOV_VOTE_YES);
    big_tx(&b, GOV_TX_VOTE, &registrar, &p);
    ldg_enc_free(&p);
    ck_assert_int_eq(big_block(c, &b, T0 + 1000, true), LDG_OK);
    big_free(&b);
    ck_assert_uint_eq(ldg_chain_block_limits(c).max_txs, LDG_BLOCK_TX_MAX);
    /* block 2 activates it: 65 transactions are still within the value in force */
    big_transfers(&b, 65);
    ck_assert_int_eq(big_block(c, &b, T0 + 2000, true), LDG_OK);
    big_free(&b);
    ck_assert_uint_eq(ldg_chain_block_limits(c).max_txs, 64);
    /* block 3: 65 refused (check, execution, proposer), nothing changes; 64 pass */
    ldg_tip before = ldg_chain_tip(c);
    big_transfers(&b, 65);
    ck_assert_int_eq(big_block(c, &b, T0 + 3000, true), LDG_ERR_TOO_LARGE);
    ldg_exec_out out;
    ldg_header h3 = {0};
    h3.tx_count = 65;
    ck_assert_int_eq(
        ldg_chain_execute(c, &h3, (const uint8_t *const *)b.w, b.len, NULL, false, &out),
        LDG_ERR_TOO_LARGE);
    ldg_header hp;
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b.w, b.len, 65, T0 + 3000, &val.pub, &hp),
        LDG_ERR_TOO_LARGE);
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b.w, b.len, 64, T0 + 3000, &val.pub, &hp),
        LDG_OK);
    ck_assert_uint_eq(ldg_chain_tip(c).height, before.height);
    ck_assert(!memcmp(ldg_chain_tip(c).state_root.b, before.state_root.b, LDG_HASH_LEN));
    ck_assert_uint_eq(bal(c, &bob), 65);
    free(b.w[64]);
    b.n = 64;
    ck_assert_int_eq(big_block(c, &b, T0 + 3000, true), LDG_OK);
    big_free(&b);
    ck_assert_uint_eq(bal(c, &bob), 129);
    ck_assert_uint_eq(bal(c, &alice) + bal(c, &bob), 1000); /* the total is conserved */
    ldg_verify_report rep = verify(c);
    ck_assert_msg(rep.ok, "verify: %s", rep.reason);
    ck_assert_uint_eq(rep.blocks, 4);
    ldg_chain_close(c);
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    ck_assert_uint_eq(ldg_chain_block_limits(c).max_txs, 64);
    ldg_chain_close(c);
}
END_TEST

/* Chains cannot be confused: a transaction signed for another chain with the same chain-id
 * string (another genesis: here one millisecond later) does not execute on this one; the
 * same transaction signed for this chain's genesis does. */
START_TEST(test_other_genesis_refused)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    ck_assert_mem_eq(ldg_chain_genesis_hash(c)->b, gen_hash.b, LDG_HASH_LEN);
    ldg_genesis twin = gen;
    twin.time_ms++;
    ldg_hash mine = gen_hash;
    ldg_genesis_hash(&gen_hash, &twin); /* add_issue signs for gen_hash */
    ck_assert(memcmp(mine.b, gen_hash.b, LDG_HASH_LEN) != 0);
    batch b = {0};
    add_issue(&b, 1000, &alice);
    gen_hash = mine;
    ldg_header h;
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b.w, b.len, b.n, T0 + 10, &val.pub, &h),
        LDG_OK);
    ck_assert_int_eq(try_execute(c, &h, &b), LDG_ERR_INVALID);
    batch_free(&b);
    add_issue(&b, 1000, &alice);
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b.w, b.len, b.n, T0 + 10, &val.pub, &h),
        LDG_OK);
    ck_assert_int_eq(try_execute(c, &h, &b), LDG_OK);
    batch_free(&b);
    ldg_chain_close(c);
    /* Reopened, the chain knows its genesis hash from block 0's record. */
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    ck_assert_mem_eq(ldg_chain_genesis_hash(c)->b, gen_hash.b, LDG_HASH_LEN);
    ldg_chain_close(c);
}
END_TEST

START_TEST(test_verify_detects_tampering)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    batch b1 = {0}, b2 = {0};
    ldg_header h1, h2;
    build_two_blocks(c, &b1, &b2, &h1, &h2);
    ldg_verify_report rep = verify(c);
    ck_assert_msg(rep.ok, "%s", rep.reason);
    ldg_chain_close(c);
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    rep = verify(c);
    ck_assert_msg(rep.ok, "%s", rep.reason);

    size_t vl;
    uint8_t *orig = store_get_block(c, 2, &vl);
    uint8_t *v = malloc(vl);

    /* 1. A flipped bit in a stored transaction's signature (record still decodes): the
     * certified tx_root covers the signature bytes. */
    memcpy(v, orig, vl);
    uint8_t *at = memmem(v, vl, b2.w[0], b2.len[0]);
    ck_assert_ptr_nonnull(at);
    at[b2.len[0] - 1] ^= 1;
    store_put_block(c, 2, v, vl);
    rep = verify(c);
    ck_assert(!rep.ok);
    ck_assert_uint_eq(rep.broken_height, 2);
    ck_assert_ptr_nonnull(strstr(rep.reason, "tx_root"));

    /* 2. A changed receipt code (the failing transfer's INSUFFICIENT_BALANCE, 205 = cc cd). */
    memcpy(v, orig, vl);
    const uint8_t receipt_code[] = {0x93, 0xcc, AST_R_INSUFFICIENT_BALANCE};
    at = memmem(v, vl, receipt_code, sizeof receipt_code);
    ck_assert_ptr_nonnull(at);
    at[2] = AST_R_SELF_TRANSFER;
    store_put_block(c, 2, v, vl);
    rep = verify(c);
    ck_assert(!rep.ok);
    ck_assert_uint_eq(rep.broken_height, 2);
    ck_assert_ptr_nonnull(strstr(rep.reason, "receipt"));

    /* 3. A changed state root. */
    memcpy(v, orig, vl);
    ldg_tip tip = ldg_chain_tip(c);
    at = memmem(v, vl, tip.state_root.b, LDG_HASH_LEN);
    ck_assert_ptr_nonnull(at);
    at[0] ^= 1;
    store_put_block(c, 2, v, vl);
    rep = verify(c);
    ck_assert(!rep.ok);
    ck_assert_uint_eq(rep.broken_height, 2);

    /* Restored, the chain verifies again. */
    store_put_block(c, 2, orig, vl);
    rep = verify(c);
    ck_assert_msg(rep.ok, "%s", rep.reason);

    /* 4. A truncated record at height 1 is reported there. */
    size_t l1;
    uint8_t *r1 = store_get_block(c, 1, &l1);
    store_put_block(c, 1, r1, l1 - 1);
    rep = verify(c);
    ck_assert(!rep.ok);
    ck_assert_uint_eq(rep.broken_height, 1);
    ldg_record rec;
    ck_assert_int_eq(ldg_chain_read_block(c, 1, &rec), LDG_ERR_CORRUPT);

    /* 5. Block 1's header altered (time): the link from block 2 breaks or the cert fails. */
    store_put_block(c, 1, r1, l1);
    ck_assert(verify(c).ok);
    ldg_header alt = h1;
    alt.time_ms += 1;
    ldg_enc he, ho;
    ldg_enc_init(&he);
    ldg_enc_init(&ho);
    ldg_header_encode(&he, &alt);
    ldg_header_encode(&ho, &h1);
    ck_assert_uint_eq(ldg_enc_len(&he), ldg_enc_len(&ho));
    at = memmem(r1, l1, ldg_enc_data(&ho), ldg_enc_len(&ho));
    ck_assert_ptr_nonnull(at);
    memcpy(at, ldg_enc_data(&he), ldg_enc_len(&he));
    store_put_block(c, 1, r1, l1);
    rep = verify(c);
    ck_assert(!rep.ok);
    ck_assert_uint_eq(rep.broken_height, 1);
    ldg_enc_free(&he);
    ldg_enc_free(&ho);

    free(r1);
    free(v);
    free(orig);
    ldg_chain_close(c);
    batch_free(&b1);
    batch_free(&b2);
}
END_TEST

/* Block sync's background commits: each block is stored by the chain's writer thread while
 * the next ones execute on top of it (up to LDG_CHAIN_WRITES_IN_FLIGHT queued). The heads and state
 * roots must be those of synced commits (chain a), with the cache crossing its limits often (tiny
 * ones: those blocks take the synced path), the tip one block behind at most, every commit durable
 * after persist, and all of it in the store once reopened. Every block moves value: alice + bob =
 * issued. */
START_TEST(test_background_commit_matches_synced)
{
    tl_rng rng;
    tl_rng_init(&rng, tl_seed("chain/background", 0xb10c5));
    char dir_b[PATH_MAX];
    tl_tmpdir(dir_b, "chain-bg");
    ldg_chain *a, *bg;
    ck_assert_int_eq(ldg_chain_open(&a, dir, reg, &gen, false), LDG_OK);
    ck_assert_int_eq(ldg_chain_open(&bg, dir_b, reg, &gen, false), LDG_OK);
    ldg_chain_set_cache_limits(bg, 24, 1 << 20);
    /* 60 ms before each background write: longer than a foreground block takes even under
     * ASan on a loaded machine (3 ms was not, and the queue then never filled), so the queue
     * fills within a few blocks; 40 blocks cost about 2.4 s of writer sleep. */
    ldg_chain_set_write_delay(bg, 60000);
    const uint64_t issued = 1000000;
    const int blocks = 40;
    bool behind = false; /* the queue was full at least once */
    uint8_t *old_w[2] = {NULL, NULL};
    size_t old_len[2] = {0, 0};
    for (int k = 1; k <= blocks; k++) {
        batch b = {0};
        if (k == 1)
            add_issue(&b, issued, &alice);
        /* From block 4 on, a copy of a transaction of two blocks back: it must be refused
         * as a REPLAY, which bg can only tell from its cache while that block is unstored. */
        if (k >= 4) {
            b.w[b.n] = malloc(old_len[k % 2]);
            ck_assert_ptr_nonnull(b.w[b.n]);
            memcpy(b.w[b.n], old_w[k % 2], old_len[k % 2]);
            b.len[b.n++] = old_len[k % 2];
        }
        uint32_t n = b.n + 1 + (uint32_t)tl_rng_below(&rng, 6);
        while (b.n < n) {
            bool ab = tl_rng_below(&rng, 2);
            /* Some too large: they fail with a receipt and move nothing. */
            uint64_t q = 1 + tl_rng_below(&rng, tl_rng_below(&rng, 8) ? 5000 : 2 * issued);
            add_transfer(&b, ab ? &alice : &bob, ab ? &bob : &alice, q);
        }
        ldg_hash root;
        ldg_result codes[8];
        ldg_header h = produce(a, &b, T0 + 1000 * (uint64_t)k, codes, &root);
        if (k >= 4)
            ck_assert_int_eq(codes[0], LDG_R_REPLAY);
        free(old_w[k % 2]);
        old_len[k % 2] = b.len[b.n - 1];
        old_w[k % 2] = malloc(old_len[k % 2]);
        ck_assert_ptr_nonnull(old_w[k % 2]);
        memcpy(old_w[k % 2], b.w[b.n - 1], old_len[k % 2]);
        /* The same block on bg, in the background. */
        ldg_exec_out out;
        ck_assert_int_eq(
            ldg_chain_execute(bg, &h, (const uint8_t *const *)b.w, b.len, NULL, false, &out),
            LDG_OK);
        ck_assert_mem_eq(out.state_root.b, root.b, LDG_HASH_LEN);
        ldg_cert cert;
        make_cert(&cert, &h);
        ck_assert_int_eq(ldg_chain_commit_ex(bg, &h, (const uint8_t *const *)b.w, b.len, &cert,
                                             &out, LDG_COMMIT_BACKGROUND),
                         LDG_OK);
        ldg_exec_out_free(&out);
        ldg_tip ta = ldg_chain_tip(a), head = ldg_chain_head(bg), tip = ldg_chain_tip(bg);
        ck_assert_uint_eq(head.height, (uint64_t)k);
        ck_assert_mem_eq(head.hash.b, ta.hash.b, LDG_HASH_LEN);
        ck_assert_mem_eq(head.state_root.b, ta.state_root.b, LDG_HASH_LEN);
        ck_assert_uint_eq(head.tx_total, ta.tx_total);
        if (k > 2)
            behind |= tip.height + LDG_CHAIN_WRITES_IN_FLIGHT == head.height;
        ck_assert(tip.height <= head.height &&
                  tip.height + LDG_CHAIN_WRITES_IN_FLIGHT >= head.height);
        batch_free(&b);
        if (k % 10 == 0) {
            /* Persist waits for the write in flight: the tip is the head again. */
            ck_assert_int_eq(ldg_chain_persist(bg), LDG_OK);
            ck_assert_uint_eq(ldg_chain_tip(bg).height, (uint64_t)k);
            ck_assert_uint_eq(bal(bg, &alice) + bal(bg, &bob), issued);
            ck_assert_uint_eq(bal(bg, &alice), bal(a, &alice));
        }
    }
    ck_assert(behind);
    free(old_w[0]);
    free(old_w[1]);
    ck_assert_int_eq(ldg_chain_persist(bg), LDG_OK);
    ldg_tip ta = ldg_chain_tip(a);
    ldg_chain_close(bg);
    ck_assert_int_eq(ldg_chain_open(&bg, dir_b, reg, &gen, false), LDG_OK);
    ldg_tip tb = ldg_chain_tip(bg);
    ck_assert_uint_eq(tb.height, (uint64_t)blocks);
    ck_assert_mem_eq(tb.hash.b, ta.hash.b, LDG_HASH_LEN);
    ck_assert_mem_eq(tb.state_root.b, ta.state_root.b, LDG_HASH_LEN);
    ck_assert_uint_eq(bal(bg, &alice) + bal(bg, &bob), issued);
    ldg_verify_report rep = verify(bg);
    ck_assert_msg(rep.ok, "%s", rep.reason);
    /* Closing with a write in flight stores it first. */
    batch b = {0};
    add_transfer(&b, &alice, &bob, 1);
    ldg_header h;
    ck_assert_int_eq(ldg_chain_propose(bg, (const uint8_t *const *)b.w, b.len, b.n,
                                       T0 + 1000 * (blocks + 1), &val.pub, &h),
                     LDG_OK);
    ldg_exec_out out;
    ck_assert_int_eq(
        ldg_chain_execute(bg, &h, (const uint8_t *const *)b.w, b.len, NULL, false, &out), LDG_OK);
    ldg_cert cert;
    make_cert(&cert, &h);
    ck_assert_int_eq(ldg_chain_commit_ex(bg, &h, (const uint8_t *const *)b.w, b.len, &cert, &out,
                                         LDG_COMMIT_BACKGROUND),
                     LDG_OK);
    ldg_exec_out_free(&out);
    ldg_chain_close(bg);
    ck_assert_int_eq(ldg_chain_open(&bg, dir_b, reg, &gen, false), LDG_OK);
    ck_assert_uint_eq(ldg_chain_tip(bg).height, (uint64_t)blocks + 1);
    ck_assert_uint_eq(bal(bg, &alice) + bal(bg, &bob), issued);
    ldg_chain_close(bg);
    ldg_chain_close(a);
    batch_free(&b);
    tl_rmrf(dir_b);
}
END_TEST

/* ---- no silent rollback (specs/state.md §6.3) ---- */

/* The newest write-ahead log file of the store (NNNNNN.log). */
static void wal_path(char out[PATH_MAX + 256])
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".log") && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    ck_assert_str_ne(best, "");
    snprintf(out, PATH_MAX + 256, "%s/%s", dir, best);
}

static off_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_size;
}

/* One block of one transfer alice -> bob, committed with the given mode. */
static void produce_mode(ldg_chain *c, uint64_t time_ms, ldg_commit_mode mode)
{
    batch b = {0};
    add_transfer(&b, &alice, &bob, 1);
    ldg_header h;
    ck_assert_int_eq(
        ldg_chain_propose(c, (const uint8_t *const *)b.w, b.len, b.n, time_ms, &val.pub, &h),
        LDG_OK);
    ldg_exec_out out;
    ck_assert_int_eq(
        ldg_chain_execute(c, &h, (const uint8_t *const *)b.w, b.len, NULL, false, &out), LDG_OK);
    ldg_cert cert;
    make_cert(&cert, &h);
    ck_assert_int_eq(
        ldg_chain_commit_ex(c, &h, (const uint8_t *const *)b.w, b.len, &cert, &out, mode), LDG_OK);
    ldg_exec_out_free(&out);
    batch_free(&b);
}

/* Genesis, blocks 1 and 2, then blocks 3..n synced. */
static void build_chain(uint64_t n)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    batch b1 = {0}, b2 = {0};
    ldg_header h1, h2;
    build_two_blocks(c, &b1, &b2, &h1, &h2);
    batch_free(&b1);
    batch_free(&b2);
    for (uint64_t k = 3; k <= n; k++)
        produce_mode(c, T0 + 1000 * k, LDG_COMMIT_SYNCED);
    ldg_chain_close(c);
}

START_TEST(test_wal_damage_refused)
{
    build_chain(12);
    char wal[PATH_MAX + 256];
    wal_path(wal);
    off_t size = file_size(wal);
    int fd = open(wal, O_RDWR);
    ck_assert_int_ge(fd, 0);
    uint8_t byte;
    ck_assert_int_eq(pread(fd, &byte, 1, size / 2), 1);
    byte ^= 0x40;
    ck_assert_int_eq(pwrite(fd, &byte, 1, size / 2), 1);
    close(fd);
    /* RocksDB's default would replay up to the flipped byte and open at an earlier height
     * without a word; the strict replay refuses and the report names the last good block. */
    ldg_chain *c = NULL;
    ldg_open_report rep;
    ck_assert_int_eq(ldg_chain_open_report(&c, dir, reg, &gen, false, &rep), LDG_ERR_CORRUPT);
    ck_assert(rep.stored_known && rep.committed_known);
    ck_assert_uint_lt(rep.stored, 12);
    ck_assert_uint_eq(rep.committed, 12);
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, true), LDG_ERR_CORRUPT);
}
END_TEST

START_TEST(test_wal_cut_short_refused)
{
    build_chain(12);
    char wal[PATH_MAX + 256];
    wal_path(wal);
    /* A log cut mid-way looks to RocksDB exactly like a crash's torn tail: only the
     * committed-height mark can tell that synced blocks are gone. */
    ck_assert_int_eq(truncate(wal, file_size(wal) / 2), 0);
    ldg_chain *c = NULL;
    ldg_open_report rep;
    ck_assert_int_eq(ldg_chain_open_report(&c, dir, reg, &gen, false, &rep), LDG_ERR_CORRUPT);
    ck_assert(rep.lost);
    ck_assert_uint_lt(rep.stored, 12);
    ck_assert_uint_eq(rep.committed, 12);
    ck_assert_int_eq(ldg_chain_open_report(&c, dir, reg, NULL, true, &rep), LDG_ERR_CORRUPT);
    ck_assert(rep.lost);
}
END_TEST

START_TEST(test_torn_unsynced_tail_recovers)
{
    build_chain(4);
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    char wal[PATH_MAX + 256];
    wal_path(wal); /* the log this open started */
    off_t synced = file_size(wal);
    produce_mode(c, T0 + 5000, LDG_COMMIT_UNSYNCED);
    ldg_chain_close(c);
    off_t after = file_size(wal);
    ck_assert_int_gt(after, synced);
    /* A crash in the middle of writing block 5, which nothing had acknowledged. */
    ck_assert_int_eq(truncate(wal, after - (after - synced) / 3), 0);
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    ck_assert_uint_eq(ldg_chain_tip(c).height, 4);
    produce_mode(c, T0 + 5000, LDG_COMMIT_SYNCED); /* and it goes on */
    ck_assert_uint_eq(ldg_chain_tip(c).height, 5);
    ldg_chain_close(c);
    /* The torn record is now in an older log, followed by a newer one: still a crash's
     * trace, not damage (RocksDB keeps the recovered log: avoid_flush_during_recovery). */
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, NULL, false), LDG_OK);
    ck_assert_uint_eq(ldg_chain_tip(c).height, 5);
    /* The state tree came back with the state (its nodes were in the torn batch): the
     * next block's root agrees with a re-execution from genesis. */
    produce_mode(c, T0 + 6000, LDG_COMMIT_SYNCED);
    ldg_verify_report rep;
    ck_assert_int_eq(ldg_chain_verify(c, reg, &rep, NULL, NULL), LDG_OK);
    ck_assert_msg(rep.ok, "verify: %s at %llu", rep.reason, (unsigned long long)rep.broken_height);
    ck_assert_uint_eq(rep.blocks, 7);
    ldg_chain_close(c);
}
END_TEST

/* Past state (state.md §5.6): balances at each height from the tree, the register at a
 * height, a holding proved against the block's state root with the register's total equal
 * to the supply; past the retention window, PRUNED; above the tip, NOT_FOUND. */
static uint64_t bal_at(ldg_chain *c, uint64_t height, const ldg_keypair *k)
{
    ldg_state *rd;
    ck_assert_int_eq(ldg_chain_reader_at(c, height, &rd), LDG_OK);
    ldg_account a = tl_account(k);
    uint64_t q = 0;
    ck_assert_int_eq(ast_balance_get(rd, ISIN, &a, &q), LDG_OK);
    ldg_state_free(rd);
    return q;
}

static bool count_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k, (void)kl, (void)v, (void)vl;
    (*(int *)arg)++;
    return true;
}

START_TEST(test_past_state)
{
    ldg_chain *c;
    ck_assert_int_eq(ldg_chain_open(&c, dir, reg, &gen, false), LDG_OK);
    ldg_chain_set_retention(c, LDG_SMT_RETAIN_MIN);
    batch b1 = {0}, b2 = {0};
    ldg_header h1, h2;
    build_two_blocks(c, &b1, &b2, &h1, &h2);
    ck_assert_uint_eq(bal_at(c, 1, &alice), 700);
    ck_assert_uint_eq(bal_at(c, 1, &bob), 300);
    ck_assert_uint_eq(bal_at(c, 2, &alice), 750);
    ck_assert_uint_eq(bal_at(c, 0, &alice), 0);
    /* the register at height 1: two holders */
    ldg_state *rd;
    ck_assert_int_eq(ldg_chain_reader_at(c, 1, &rd), LDG_OK);
    uint8_t prefix[13] = {'b'};
    memcpy(prefix + 1, ISIN, 12);
    int rows = 0;
    ck_assert_int_eq(ldg_state_scan(rd, prefix, sizeof prefix, SIZE_MAX, count_row, &rows), LDG_OK);
    ck_assert_int_eq(rows, 2);
    ldg_state_free(rd);
    /* alice's holding at height 2, proved against the stored state root of block 2 */
    ldg_record r;
    ck_assert_int_eq(ldg_chain_read_block(c, 2, &r), LDG_OK);
    uint8_t key[33] = {'b'};
    memcpy(key + 1, ISIN, 12);
    ldg_account a = tl_account(&alice);
    memcpy(key + 13, a.b, 20);
    ldg_smt_proof *p = malloc(sizeof *p);
    uint8_t *v;
    size_t vl;
    bool found, has_total;
    uint64_t total = 0;
    char why[128];
    ck_assert_int_eq(ldg_smt_prove(ldg_chain_tree_base(c), 2, key, sizeof key, p, &v, &vl, &found),
                     LDG_OK);
    ck_assert(found);
    ck_assert_int_eq(ldg_smt_verify(&r.state_root, key, sizeof key, v, vl, p, &has_total, &total,
                                    why, sizeof why),
                     LDG_OK);
    ck_assert(has_total);
    ck_assert_uint_eq(total, 1000); /* = the supply */
    free(v);
    free(p);
    ldg_record_free(&r);
    ck_assert_int_eq(ldg_chain_reader_at(c, 3, &rd), LDG_ERR_NOT_FOUND);
    /* more blocks than the window: height 1 is gone, precisely */
    for (uint64_t i = 0; i < LDG_SMT_RETAIN_MIN + 2; i++) {
        batch b = {0};
        add_transfer(&b, &alice, &bob, 1);
        produce(c, &b, T0 + 3000 + i * 1000, NULL, NULL);
        batch_free(&b);
    }
    ck_assert_int_eq(ldg_chain_reader_at(c, 1, &rd), LDG_ERR_PRUNED);
    uint64_t floor, tip = ldg_chain_tip(c).height;
    ck_assert_int_eq(ldg_chain_floor(c, &floor), LDG_OK);
    ck_assert_uint_eq(floor, tip - LDG_SMT_RETAIN_MIN + 1);
    ck_assert_uint_eq(bal_at(c, floor, &bob) + bal_at(c, floor, &alice), 1000);
    ck_assert_uint_eq(bal_at(c, tip, &bob), 300 - 50 + LDG_SMT_RETAIN_MIN + 2);
    /* and the tree still checks out from genesis */
    ldg_verify_report rep;
    ck_assert_int_eq(ldg_chain_verify(c, reg, &rep, NULL, NULL), LDG_OK);
    ck_assert_msg(rep.ok, "%s", rep.reason);
    batch_free(&b1);
    batch_free(&b2);
    ldg_chain_close(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("chain");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_open_needs_genesis);
    tcase_add_test(tc, test_commit_reopen_read);
    tcase_add_test(tc, test_index_of_movements);
    tcase_add_test(tc, test_wal_damage_refused);
    tcase_add_test(tc, test_wal_cut_short_refused);
    tcase_add_test(tc, test_torn_unsynced_tail_recovers);
    tcase_add_test(tc, test_execute_refuses_bad_blocks);
    tcase_add_test(tc, test_other_genesis_refused);
    tcase_add_test(tc, test_verify_detects_tampering);
    tcase_add_test(tc, test_background_commit_matches_synced);
    tcase_add_test(tc, test_past_state);
    tcase_add_test(tc, test_governed_block_limits);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
