/* Settlement on the ledger: peer trades, CCP novation, netting cycles with DvP and the
 * liquidity-saving mechanism, and bilateral settlement instructions (specs/settlement.md).
 *
 * State (settlement's keys; specs/state.md):
 *   'T'                 -> next trade id (u64)
 *   't' id_be64         -> trade   [status, submitter, counterparty, buyer, seller, isin, qty,
 *                                   price, currency, value, ref, submit_height, affirm_height]
 *   'o' id_be64         -> open obligation [trade_id, from, to, isin, qty, currency, cash,
 *                                   created_cycle, age]   (deleted once settled)
 *   'K'                 -> the CCP's account (pinned at the first novation)
 *   'C'                 -> number of the last cycle run (u64)
 *   'c' n_be64          -> cycle report (see stl_cycle_report_encode)
 *   'I'                 -> next instruction id (u64)
 *   'i' id_be64         -> bilateral instruction [status, owner, counterparty, deliver?, isin,
 *                                   qty, currency, amount, matched_with, height]
 *   'q' id_be64         -> matched instruction waiting in the queue [deliverer, receiver,
 *                                   isin, qty, currency, amount, age]
 *   'Q'                 -> number of entries under 'q' (u64)
 *   'm' hash32 side id  -> an unmatched instruction waiting for its mirror (empty value)
 *   's' ...             -> settlement's later keys, under its namespace byte (STL_KEY_NS):
 *   's' 'x' id_be64     -> bilateral cancel requests of queued pair id (u64: 1 deliverer,
 *                                   2 receiver)
 *   's' 'z' trade_id_be64 -> a failed trade closed by cash compensation [failing,
 *                                   reference_price, compensation, payer, payee, cycle, height]
 *   's' 'f'             -> cycles a fail must be carried before it may be closed (u64; absent:
 *                                   STL_FAIL_CLOSE_CYCLES)
 * Obligation ids: 2*trade_id (seller -> CCP) and 2*trade_id+1 (CCP -> buyer). */
#ifndef STL_LEDGER_H
#define STL_LEDGER_H

#include "ldg_exec.h"
#include "ldg_limits.h"

/* Transaction types (50..89). */
enum {
    STL_TX_TRADE_SUBMIT = 50,
    STL_TX_TRADE_AFFIRM = 51,
    STL_TX_TRADE_CANCEL = 52,
    STL_TX_CYCLE_RUN = 53,
    STL_TX_SETTLE_INSTRUCT = 54,
    STL_TX_SETTLE_RESOLVE = 55,
    STL_TX_SETTLE_CANCEL = 56,
    STL_TX_FAIL_CLOSE = 57,
    STL_TX_FAIL_CLOSE_AFTER = 58,
};

/* Namespace byte of settlement's keys added after the first ones (the single-letter
 * prefixes above are taken; 'x' is the ledger's replay guard). */
#define STL_KEY_NS 's'

/* out = STL_KEY_NS kind be64(id). */
void stl_ns_key_id(uint8_t out[10], char kind, uint64_t id);

/* Result codes (400..599). */
enum {
    STL_R_UNKNOWN_TRADE = 400,
    STL_R_SELF_TRADE = 401,
    STL_R_NOT_COUNTERPARTY = 402,
    STL_R_ALREADY_AFFIRMED = 403,
    STL_R_NOT_CANCELLABLE = 404,
    STL_R_BAD_SIDE = 405,
    STL_R_ZERO_PRICE = 406,
    STL_R_VALUE_OVERFLOW = 407,
    STL_R_NO_CCP = 408,
    STL_R_COUNTERPARTY_NOT_BROKER = 409,
    STL_R_NOT_SUBMITTER = 410,
    STL_R_UNKNOWN_CURRENCY = 411,
    STL_R_CYCLE_TOO_LARGE = 412,
    STL_R_NOT_SECURITY = 413,
    STL_R_UNKNOWN_INSTRUCTION = 414,
    STL_R_SETTLEMENT_BLOCKED = 415,
    STL_R_CCP_TRADE = 416,
    STL_R_TRADE_CANCELLED = 417,
    STL_R_QUEUE_FULL = 418,
    STL_R_NOT_INSTRUCTION_PARTY = 419,
    STL_R_INSTRUCTION_FINAL = 420,
    STL_R_CANCEL_REQUESTED = 421,
    STL_R_FAIL_TOO_RECENT = 422,
    STL_R_NOT_CLOSABLE = 423,
    STL_R_NOT_FAILING = 424,
    STL_R_BAD_CLOSE_AFTER = 425,
};

enum {
    STL_TRADE_SUBMITTED = 1,
    STL_TRADE_NOVATED = 2,
    STL_TRADE_CANCELLED = 3,
    STL_TRADE_CLOSED = 4, /* a fail closed by cash compensation (cycle.close_fail) */
};

enum { STL_SIDE_BUY = 0, STL_SIDE_SELL = 1 };

enum {
    STL_INSTR_UNMATCHED = 1,
    STL_INSTR_QUEUED = 2,
    STL_INSTR_SETTLED = 3,
    STL_INSTR_CANCELLED = 4,
};

/* A bilateral instruction record ('i'). */
typedef struct stl_instruction {
    uint64_t id;
    uint64_t status;
    ldg_account owner, counterparty;
    bool deliver;
    char isin[13], currency[13];
    uint64_t qty, amount, matched_with, height;
} stl_instruction;

ldg_err stl_instruction_decode(const uint8_t *v, size_t vl, stl_instruction *out) LDG_WARN_UNUSED;
/* The stable name of an instruction status ("unmatched", "queued", ...). Never NULL. */
const char *stl_instruction_status_name(uint64_t status);

/* A closed fail ('s' 'z'). */
typedef struct stl_closeout {
    uint64_t failing; /* STL_SIDE_SELL: the seller failed to deliver; STL_SIDE_BUY: the buyer
                         failed to pay */
    uint64_t reference_price, compensation;
    ldg_account payer, payee;
    uint64_t cycle, height;
} stl_closeout;

/* Reads trade_id's closeout; *found false if the trade was not closed. */
ldg_err stl_closeout_get(ldg_state *st, uint64_t trade_id, stl_closeout *out,
                         bool *found) LDG_WARN_UNUSED;

/* Why an obligation or instruction did not settle in a cycle. */
enum {
    STL_FAIL_SECURITIES = 1,     /* the deliverer lacked the securities */
    STL_FAIL_CASH = 2,           /* the receiver lacked the cash */
    STL_FAIL_BOTH = 3,           /* both */
    STL_FAIL_LIQUIDITY = 4,      /* each side could pay alone; the set chosen by the LSM
                                    could not include it without a negative balance */
    STL_FAIL_CCP_SECURITIES = 5, /* CCP -> buyer: the CCP did not receive the securities
                                    (a seller of the instrument failed to deliver) */
    STL_FAIL_CCP_CASH = 6,       /* seller -> CCP: the CCP did not receive the cash (a buyer
                                    in the currency failed to pay) */
};

/* Stable text of a fail reason ("seller short of securities", ...). Never NULL. */
const char *stl_fail_reason_name(uint64_t reason);

typedef struct stl_trade {
    uint64_t id;
    uint64_t status;
    ldg_account submitter, counterparty, buyer, seller;
    char isin[13];
    uint64_t quantity, price;
    char currency[13];
    uint64_t value;
    char ref[65];
    uint64_t submit_height, affirm_height;
} stl_trade;

ldg_err stl_trade_decode(const uint8_t *v, size_t vl, stl_trade *out) LDG_WARN_UNUSED;
ldg_err stl_trade_get(ldg_state *st, uint64_t id, stl_trade *t, bool *found) LDG_WARN_UNUSED;
void stl_trade_put(ldg_state *st, const stl_trade *t);

typedef struct stl_obligation_rec {
    uint64_t id;
    uint64_t trade_id;
    ldg_account from, to;
    char isin[13];
    uint64_t quantity;
    char currency[13];
    uint64_t cash;
    uint64_t created_cycle, age;
} stl_obligation_rec;

ldg_err stl_obligation_decode(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                              stl_obligation_rec *out) LDG_WARN_UNUSED;

void stl_key_id(uint8_t out[9], char prefix, uint64_t id);

/* Registers settlement's result table and transaction types. */
void stl_ledger_register(ldg_registry *r);

/* Internal: the cycle and queue handlers (stl_cycle.c). */
ldg_result stl_apply_cycle_run(ldg_txctx *c, const msgpack_object *payload);
ldg_result stl_apply_settle_resolve(ldg_txctx *c, const msgpack_object *payload);
ldg_result stl_apply_settle_instruct(ldg_txctx *c, const msgpack_object *payload);
ldg_result stl_apply_settle_cancel(ldg_txctx *c, const msgpack_object *payload);
/* Internal: closing a fail by cash compensation (stl_close.c). */
ldg_result stl_apply_fail_close(ldg_txctx *c, const msgpack_object *payload);
/* cycle.fail_close_after: [cycles] by clearing staff (stl_close.c). */
ldg_result stl_apply_fail_close_after(ldg_txctx *c, const msgpack_object *payload);
/* The cycles a fail must have been carried through before cycle.close_fail accepts it. */
ldg_err stl_fail_close_cycles(ldg_state *st, uint64_t *cycles) LDG_WARN_UNUSED;
/* Settles queued bilateral instructions with the LSM; counts settled and still waiting.
 * in_cycle: called by cycle.run (the waiting ones age by one cycle). */
ldg_result stl_resolve_queue(ldg_txctx *c, bool in_cycle, uint64_t *settled, uint64_t *waiting);

#endif
