/* The command table (cli_cmds.h): one row per noun, one row per verb. Only data here; the
 * checks and the generated help are in cli_dispatch.c. */
#include "cli_cmds.h"

#include "ldg_limits.h"

/* A limit's value in a help text. */
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)
#define OPTS(...) ((const cli_optdef[]){__VA_ARGS__, {0}})
#define PAGING                                                                                     \
    {"--limit", "N", "show at most N rows (1 to 1000; default 1000)", false},                      \
    {                                                                                              \
        "--after", "CURSOR", "the rows after CURSOR (the \"next\" a previous page gave)", false    \
    }
#define ORDER                                                                                      \
    {                                                                                              \
        "--order", "DOC_SHA256", "SHA-256 (64 hex) of the legal order", true                       \
    }

/* The state a proof is of, and where the bundle goes. */
#define PROOF_AT                                                                                   \
    {"--height", "H", "the state after block H (default: the newest certified state)", false},     \
        {"--record-date", "YYYY-MM-DD", "the state at the end of that day (UTC)", false},          \
        {"--via-main", "MAINHOME|URL",                                                             \
         "a two-level bundle: the state at this sub-chain's last checkpoint anchored on that "     \
         "main chain, verifiable with the main chain's genesis alone (chains.md §6)",              \
         false},                                                                                   \
    {                                                                                              \
        "-o", "FILE", "write the bundle to FILE", true                                             \
    }

const char *const cli_repeatable_opts[] = {"--sub", NULL};

const cli_global cli_globals[] = {
    {"--home DIR", "the node home (default $FOLIO_HOME, else ~/.folio)"},
    {"--as KEY", "sign with this key of the home (default: $FOLIO_AS, else [client] as in "
                 "config.ini, else operator)"},
    {"--json", "machine-readable output on stdout (a refusal too, as {\"error\": ...})"},
    {"--dry-run", "commands that write to the ledger: check the transaction, submit nothing"},
    {"--no-check", "commands that write: submit without checking first (a refused "
                   "transaction is recorded, failed)"},
    {"--help, -h", "the help of a noun or verb, generated from this table"},
};
const size_t cli_globals_n = sizeof cli_globals / sizeof cli_globals[0];

const cli_exit cli_exits[] = {
    {CLI_OK, "success: the command did what was asked; a transaction committed with code 0"},
    {CLI_REJECTED, "rejected: the ledger refused the transaction (at admission, or committed "
                   "with a non-zero result code, which the message names), a check failed, or "
                   "what was asked for does not exist"},
    {CLI_USAGE, "usage: an unknown command, verb or option, an argument too many or missing, "
                "a bad value; no node home; no such signing key"},
    {CLI_UNAVAILABLE, "the node could not be reached, did not answer in time, or failed"},
    {CLI_LOCAL, "a local file could not be read or written: a file named on the command line, "
                "the home's store or keys"},
};
const size_t cli_exits_n = sizeof cli_exits / sizeof cli_exits[0];

/* specs/money.md sections 2-4, as --help and the man page state it. */
const char cli_money_rule[] =
    "Every money amount you type or read is a decimal in the currency's units: 100.50,"
    " 0.35, 1,000,000 (separators optional), never an integer of fen or cents. More"
    " decimals than the currency has (CNY 2, JPY 0) is refused (BAD_AMOUNT, exit 2), never"
    " rounded. Quantities of securities are whole units. Cash is the instrument whose id is"
    " its currency code: transfer CNY 100.50 moves 100.50 CNY. A price is per unit of the"
    " instrument, in the trade currency. Tables show money with its currency, right-aligned"
    " with thousands separators (1,250.50 CNY); --json gives it as {\"currency\": \"CNY\","
    " \"minor\": 125050, \"scale\": 2, \"decimal\": \"1250.50\"} (exact minor units).";

const cli_noun cli_nouns[] = {
    {"init", cli_init_main, "create a node home: config, operator key, genesis",
     "The home must be new, or an empty directory of yours that others cannot write\n"
     "(specs/home.md)."},
    {"node", cli_node_main, "start, stop and inspect the node",
     "The node is the process holding the lock on HOME/node.lock (node.pid is not trusted)."},
    {"client", cli_client_main, "a client home: sign and read against a node elsewhere",
     "A client home has the node's chain id and genesis hash, read from the node, and\n"
     "no validator key. Its default signer is [client] as in config.ini, or $FOLIO_AS."},
    {"keys", cli_keys_main, "create, import, export, delete and list signing keys",
     "Keys are secp256k1 (BIP-340) keys in HOME/keys, secret files mode 0600, optionally\n"
     "sealed with a passphrase (scrypt + AES-256-GCM; $FOLIO_PASSPHRASE or asked).\n"
     "The secret is printed only with 'show --secret'."},
    {"participant", cli_participant_main, "register and list participants and their roles",
     "roles: registrar, issuer, broker, ccp, clearing, settlement-bank, regulator,\n"
     "       investor, deployer, validator\n"
     "Only a registrar may register (sign with --as, default operator)."},
    {"asset", cli_asset_main, "issue instruments; show them and their holders",
     "Issuing needs the issuer role (sign with --as). The ISIN's check digit is verified.\n"
     "ACCOUNT is a participant name, a key name in this home, or a 40-hex account.\n"
     "Equity issued without --risk is R3.\n"
     "Cash is issued by a settlement bank (the first to issue a currency). Redeeming\n"
     "retires the signer's cash: the issuing bank pays out off-ledger and the supply\n"
     "shrinks. AMOUNT and --face-value are money: a decimal in the currency's units\n"
     "(--amount 500000.50 --currency CNY), at most its decimals (CNY 2, JPY 0). A bond's\n"
     "coupon is computed from its face value; show lists it per unit, with the currency.\n"
     "import reads a register (RFC 4180 CSV, header holder,public_key,quantity,category,\n"
     "risk_class,kyc_expiry): quantities in the instrument's units (whole shares), a key\n"
     "and profile for each holder not yet a participant. The whole file is checked and a\n"
     "report printed (every problem with its line and column) before anything is signed;\n"
     "a re-run after an interruption resumes from what the ledger holds, never issuing or\n"
     "transferring twice. export writes the register back in the same format."},
    {"transfer", cli_transfer_main, "move an instrument from your account to another",
     "ACCOUNT is a participant name, a key name in this home, or a 40-hex account.\n"
     "QUANTITY is whole units of a security (transfer CNE100000296 100), or, when ISIN\n"
     "is a currency code, an amount of cash in its units (transfer CNY 100.50).\n"
     "'transfer check' asks the node whether a transfer would pass, without submitting."},
    {"account", cli_account_main, "an account's holdings, every movement, past statements",
     "history and statement read the node's index of holding changes (specs/rpc.md 3.15):\n"
     "each movement has its block, time, reason (transfer, settlement, dividend, coupon,\n"
     "split, forced_transfer, issuance, redemption, ...), counterparty and transaction.\n"
     "Dates are UTC days; money is in the currency's units (--json: minor units too)."},
    {"tx", cli_tx_main, "show a transaction and its receipt", NULL},
    {"block", cli_block_main, "show a block", NULL},
    {"chain", cli_chain_main, "verify the chain from genesis", NULL},
    {"errors", cli_errors_main, "list the result codes with their meaning", NULL},
    {"investor", cli_investor_main, "register investors and show their suitability profile",
     "Registering needs the broker or registrar role. An ordinary investor may receive\n"
     "only instruments whose risk level (R1..R5) is at most their class; an expired KYC\n"
     "blocks every incoming security; professional investors pass the risk check.\n"
     "Accounts without a profile (brokers, issuers, the CCP) are not checked.\n"
     "import reads a CSV (header name,public_key,category,risk_class,kyc_expiry; registrar):\n"
     "each investor not yet a participant is registered with the investor role, and each\n"
     "profile that differs from the ledger's is set (specs/import.md)."},
    {"control", cli_control_main, "regulator controls: freeze, unfreeze, force transfer, approve",
     "Regulator role. DOC_SHA256 is the SHA-256 (64 hex) of the legal order, recorded\n"
     "on the ledger. A frozen quantity cannot move. A force transfer takes effect only\n"
     "when a second, different regulator approves it (maker-checker); it overrides\n"
     "transfer rules and freezes, not balances. A quantity of cash (ISIN a currency\n"
     "code) is a decimal in its units: freeze CNY ACCOUNT --quantity 50.25."},
    {"action", cli_action_main, "corporate actions: dividends, splits, coupons",
     "Issuer role. Holders at the end of the record date (block time, UTC) are paid on\n"
     "the first block at or after the pay date, from the issuer's cash account; each\n"
     "holder gets shares x per-share exactly. --per-share is money: a decimal in the\n"
     "currency's units (--per-share 0.35 --currency CNY pays 0.35 CNY a share), at most\n"
     "its decimals. list shows per unit, paid and total with the currency (--json: money\n"
     "objects). If the issuer is short, nobody is paid,\n"
     "the action is 'unfunded' and retried every block until funded or cancelled.\n"
     "A split N:M gives floor(holding x N / M) new shares; the aggregated fractions go\n"
     "to the issuer as whole shares. Bond coupons and redemptions run by themselves."},
    {"dev", cli_dev_main, "development-mode helpers (move block time)", NULL},
    {"trade", cli_trade_main, "submit, affirm, cancel and list peer trades",
     "Only brokers trade (sign with --as). Quantity is whole units of the instrument;\n"
     "the price is per unit, a decimal in the trade currency's units (--price 12.50 for\n"
     "CNY), refused if it has more decimals than the currency allows. On affirmation the\n"
     "CCP novates the trade into two obligations (seller -> CCP, CCP -> buyer), settled\n"
     "by 'cycle run'."},
    {"cycle", cli_cycle_main, "run netting cycles and report on them",
     "run nets every novated obligation not yet settled (fails of earlier cycles\n"
     "included) multilaterally, settles delivery-versus-payment at net through the CCP,\n"
     "with the liquidity-saving mechanism choosing what can settle without any\n"
     "negative balance, and carries the rest into the next cycle with its age; then it\n"
     "resolves the bilateral queue. show/list/report give, per currency (amounts of\n"
     "different currencies are never added), gross and net value, netting efficiency,\n"
     "settled and carried value; net positions and gross/net per participant and\n"
     "currency; failures with who failed and why. Money is shown in currency units.\n"
     "preview shows what 'cycle run' would do now without committing anything.\n"
     "close ends a fail carried through at least K cycles (close-after K sets K; until\n"
     "then " CLI_STR(
         STL_FAIL_CLOSE_CYCLES) ") by cash compensation at a reference price (per unit, in the\n"
                                "trade currency): both obligations go, no security moves, and the "
                                "failing\n"
                                "participant pays the other party's loss at that price through the "
                                "CCP\n"
                                "(specs/settlement.md \"Closing a fail\")."},
    {"settle", cli_settle_main, "bilateral settlement instructions and the queue",
     "A deliverer instructs --deliver with the payment it expects; the receiver mirrors\n"
     "it with --receive and the same payment. AMOUNT is a decimal in the currency's\n"
     "units (CNY:100.50), QTY whole units. A matched pair settles at once, delivery\n"
     "versus payment, if both sides hold what they owe; otherwise it waits in the\n"
     "queue, which the liquidity-saving mechanism resolves at every cycle and on\n"
     "demand with 'settle resolve'. list shows unmatched instructions too, with a hint\n"
     "when the counterparty sent one differing in a single term. cancel: before\n"
     "matching the sender cancels alone; a queued pair once both parties have asked."},
    {"contract", cli_contract_main, "deploy, call and query contracts",
     "Gas defaults to 3000000, at most the ledger's limit. The native-instrument\n"
     "precompile is at 0x0000000000000000000000000000000000000100 (specs/vm_ledger.md)."},
    {"testnet", cli_testnet_main, "create a multi-validator test network",
     "Writes DIR/ca (the consortium CA) and DIR/node0 .. node{N+K-1}: each a node home\n"
     "with a TLS certificate and key signed by the CA, a validator key (keys/validator),\n"
     "an operator key, one shared genesis naming the N validators (node0's operator is\n"
     "the registrar; the validators, weight 1 each, are the governance committee: sign\n"
     "with --as validator) and a config.ini pointing at the other nodes on 127.0.0.1.\n"
     "Node i listens on PORT+10i .. PORT+10i+3 (p2p) and PORT+10i+9 (RPC).\n"
     "Start each with: folio node start --detach --home DIR/nodeI"},
    {"tls", cli_tls_main, "consortium certificates: CA, issue, show, revoke", NULL},
    {"evidence", cli_evidence_main,
     "preserve log files as anchored evidence; prove and verify records",
     "A log line is TIME<TAB>TYPE<TAB>LINKS<TAB>PAYLOAD (specs/evidence.md): TIME in ms since\n"
     "1970 or YYYY-MM-DDTHH:MM:SS[.fff]Z, LINKS '-' or earlier records as #LINE or 64-hex ids.\n"
     "ingest reads whole files first (a bad line stores and anchors nothing), slices them\n"
     "into the evidence store (default HOME/evidence) and anchors each slice (broker role).\n"
     "A file already ingested anchors nothing new. prove writes an offline bundle of the\n"
     "record and every record its links reach; verify checks one with only genesis.bin."},
    {"evm", cli_evm_main, "run EVM bytecode and ethereum/tests state tests", NULL},
    {"lsm", cli_lsm_main, "the liquidity-saving solver, offline",
     "Unlike every other folio command, the offline input and its output are integers in\n"
     "MINOR UNITS (fen for CNY: 100.50 CNY is 10050): the solver knows no currency scale\n"
     "(specs/settlement.md \"Offline input\"). FILE.json:\n"
     "  {\"balances\": {\"A\": {\"CNY\": 3}, ...},\n"
     "   \"instructions\": [{\"id\": \"p1\", \"legs\": [{\"from\": \"A\", \"to\": \"B\",\n"
     "                     \"asset\": \"CNY\", \"amount\": 5}, ...]}, ...]}"},
    {"proof", cli_proof_main,
     "prove a holding, a register's total or any state key; verify offline",
     "A bundle proves a fact about the state after block H to anyone holding the chain's\n"
     "genesis: the fact, its path in the state tree, headers H and H+1 and the commit\n"
     "certificate of H+1 (H+1's header carries H's state root), and the validator-set\n"
     "changes since genesis. A holding bundle also proves that the instrument's register\n"
     "totals its issued supply (a Merkle-sum tree), naming no other holder. 'verify'\n"
     "exits 1 with the refusal's code and reason (specs/proofs.md §4)."},
    {"chains", cli_chains_main, "a main chain's sub-chains: registry, health, anchoring",
     "The main chain keeps a registry of business sub-chains (specs/chains.md): each one's\n"
     "chain id, genesis, validator set and anchoring period, and its status: ACTIVE, STALE\n"
     "(missed its period, by main-chain block time), FROZEN (its validators certified two\n"
     "blocks at one height, or one of them voted for two: the evidence is kept), PAUSED or\n"
     "RETIRED. Anyone registered may relay a sub-chain's checkpoint (header + commit\n"
     "certificate) or evidence; the main chain verifies either against the registered\n"
     "validator set. Creating, pausing, retiring, unfreezing a sub-chain and changing its\n"
     "set or period are committee actions (folio gov)."},
    {"gov", cli_gov_main, "the governance committee: propose, vote, list and show proposals",
     "Members of the committee (weights in genesis, then by proposal) propose and vote; a\n"
     "proposal passes when the weight that voted reaches gov.quorum_bps of the total and\n"
     "the yes weight gov.approval_bps of yes + no, before its expiry height, and takes\n"
     "effect at the start of block (pass height + delay), on every node alike.\n"
     "Deploying a contract needs its code hash approved (code-approve): the keccak-256 of\n"
     "its init code without constructor arguments (--file computes it).\n"
     "A testnet's committee is its validators (sign with --as validator); a home made by\n"
     "'folio init' has its operator (specs/governance.md)."},
    {"commands", cli_commands_main, "list every command of this table (for scripts: --json)", NULL},
    {"completion", cli_completion_main, "print the shell completion script",
     "Install: make install (bash-completion directory), or: source <(folio completion bash)"},
    {"man", cli_man_main, "print the man page (roff): folio man | man -l -", NULL},
};
const size_t cli_nouns_n = sizeof cli_nouns / sizeof cli_nouns[0];

const cli_cmd cli_cmds[] = {
    /* init, node, keys */
    {"init", "", "", 0, 0, false, "create a node home: config.ini, operator key, genesis",
     OPTS(
         {"--chain-id", "ID", "the chain's id (letters, digits, '-', '_', '.')", false},
         {"--join", "URL", "make a client home for the node at URL instead (client init)", false})},
    {"client", "init", "", 0, 0, false,
     "write a client home for the node at URL: its chain id and genesis hash, no validator key",
     OPTS({"--node", "URL", "the node's RPC address (tcp://HOST:PORT or tls+tcp://...)", true})},
    {"node", "start", "", 0, 0, false,
     "run the node in the foreground (Ctrl-C stops it cleanly), with every chain its "
     "[host] chains names (HOME/chains/NAME) in the same process (home.md §7); a hosted "
     "chain's home stopped alone: the running host process starts that chain again",
     OPTS({"--detach", NULL, "return once the node serves, logging to HOME/node.log", false},
          {"--dev", NULL, "let 'folio dev time advance' move block time (tests, demos)", false},
          {"--observer", NULL, "follow a multi-validator chain without voting", false},
          {"--sync-from-checkpoint", NULL,
           "first fetch a certified checkpoint's state from the peers (specs/sync.md)", false},
          {"--http", "HOST:PORT", "serve the HTTP/JSON API there (overrides [http] listen)",
           false})},
    {"node", "stop", "", 0, 0, false,
     "ask the node to stop cleanly and wait for it (all the chains of its process; a hosted "
     "chain's home: that chain alone)",
     NULL},
    {"node", "status", "", 0, 0, false,
     "height, last block, state root, mempool size, ledger date; with several validators "
     "also round, validators seen, last proposer, commit latency and whether this node is "
     "behind",
     NULL},
    {"keys", "new", "NAME", 1, 1, false, "create a signing key in HOME/keys",
     OPTS({"--encrypt", NULL, "seal the secret with a passphrase", false})},
    {"keys", "import", "NAME FILE|-", 2, 2, false,
     "import a secret key (hex, or a sealed key file)",
     OPTS({"--encrypt", NULL, "seal the secret with a passphrase", false})},
    {"keys", "export", "NAME", 1, 1, false, "write a key's secret (sealed if it is)",
     OPTS({"--out", "FILE", "write to FILE (mode 0600) instead of stdout", false},
          {"--encrypt", NULL, "seal the exported secret with a passphrase", false})},
    {"keys", "delete", "NAME", 1, 1, false, "delete a signing key",
     OPTS({"--yes", NULL, "do not ask for confirmation", false})},
    {"keys", "list", "", 0, 0, false, "list the keys of this home", NULL},
    {"keys", "show", "NAME", 1, 1, false, "show a key's account and public key",
     OPTS({"--secret", NULL, "print the secret key too", false})},

    /* participants and investors */
    {"participant", "register", "NAME", 1, 1, true, "register a participant (registrar)",
     OPTS({"--role", "ROLE[,ROLE...]", "its roles", true},
          {"--key", "KEYNAME|PUBKEY", "its key: a key name in this home or a public key", true})},
    {"participant", "list", "", 0, 0, false, "list the participants", OPTS(PAGING)},
    {"participant", "show", "NAME|ACCOUNT", 1, 1, false, "show a participant", NULL},
    {"investor", "register", "ACCOUNT", 1, 1, true,
     "record an investor's suitability profile (broker or registrar)",
     OPTS({"--category", "professional|ordinary", "investor category", true},
          {"--risk-class", "C1..C5", "the highest risk level it may hold", true},
          {"--kyc-expiry", "YYYY-MM-DD", "when its KYC expires", true})},
    {"investor", "import", "FILE.csv", 1, 1, true,
     "register investors and their suitability profiles from a CSV file (registrar): the "
     "whole file is checked first (specs/import.md)",
     NULL},
    {"investor", "show", "ACCOUNT", 1, 1, false, "show an investor's profile", NULL},
    {"investor", "list", "", 0, 0, false, "list investor profiles (registrar's view)",
     OPTS({"--kyc-expiring-before", "YYYY-MM-DD", "only KYC expiring before this day", false},
          {"--category", "professional|ordinary", "only this category", false},
          {"--risk-class", "C1..C5", "only this risk class", false}, PAGING)},

    /* instruments */
    {"asset", "issue equity", "", 0, 0, true, "issue shares (issuer)",
     OPTS({"--isin", "ISIN", "the instrument's ISIN", true}, {"--name", "TEXT", "its name", true},
          {"--shares", "N", "number of shares", true},
          {"--to", "ACCOUNT", "who receives them", true},
          {"--class", "A|B|...", "share class", false},
          {"--risk", "R1..R5", "risk level (default R3)", false})},
    {"asset", "issue bond", "", 0, 0, true, "issue a bond (issuer)",
     OPTS({"--isin", "ISIN", "the instrument's ISIN", true}, {"--name", "TEXT", "its name", true},
          {"--currency", "CCY", "currency of face value and coupons", true},
          {"--face-value", "AMOUNT",
           "face value of one unit, a decimal in the currency's units "
           "(100.00)",
           true},
          {"--units", "N", "number of units", true},
          {"--coupon-bps", "BP", "annual coupon in basis points", true},
          {"--frequency", "annual|semiannual|quarterly", "coupon frequency", true},
          {"--day-count", "ACT/365F|ACT/360|30/360", "day-count convention", true},
          {"--issue-date", "YYYY-MM-DD", "issue date", true},
          {"--maturity-date", "YYYY-MM-DD", "maturity date", true},
          {"--to", "ACCOUNT", "who receives the units", true},
          {"--risk", "R1..R5", "risk level", false})},
    {"asset", "issue cash", "", 0, 0, true, "issue cash (settlement bank)",
     OPTS({"--currency", "CCY", "ISO 4217 currency code", true},
          {"--amount", "AMOUNT", "a decimal in the currency's units (500000.50)", true},
          {"--to", "ACCOUNT", "who receives it", true})},
    {"asset", "redeem cash", "", 0, 0, true, "retire the signer's cash",
     OPTS({"--currency", "CCY", "ISO 4217 currency code", true},
          {"--amount", "AMOUNT", "a decimal in the currency's units (0.49)", true})},
    {"asset", "rules set", "ISIN", 1, 1, true, "set an instrument's transfer rules (issuer)",
     OPTS({"--max-holders", "N", "most holders at once", false},
          {"--lockup-until", "YYYY-MM-DD|none", "no transfer before this date", false},
          {"--transferable", "yes|no", "whether holders may transfer", false},
          {"--allow-list", "A,B,...|none", "only these accounts may hold", false},
          {"--requires-disclosure", NULL,
           "an ordinary investor receives it only with a registered disclosure and "
           "acknowledgement (folio evidence disclose)",
           false},
          {"--disclosure-not-required", NULL, "drop that requirement", false})},
    {"asset", "rules show", "ISIN", 1, 1, false, "show an instrument's transfer rules", NULL},
    {"asset", "show", "ISIN", 1, 1, false, "show an instrument", NULL},
    {"asset", "list", "", 0, 0, false, "list the instruments", OPTS(PAGING)},
    {"asset", "holders", "ISIN", 1, 1, false, "the register of an instrument's holders",
     OPTS(PAGING, {"--height", "H", "as of block H (refused as PRUNED below retain_blocks)", false},
          {"--record-date", "YYYY-MM-DD", "as of the last block of this day (UTC)", false})},
    {"asset", "import", "FILE.csv", 1, 1, true,
     "issue an equity and distribute it to the holders of an existing register (issuer): "
     "the whole file is checked first; an interrupted import resumes (specs/import.md)",
     OPTS({"--isin", "ISIN", "the instrument's ISIN", true}, {"--name", "TEXT", "its name", true},
          {"--shares", "N", "the supply the file must total (a control figure)", false},
          {"--class", "A|B|...", "share class", false},
          {"--risk", "R1..R5", "risk level (default R3)", false},
          {"--registrar", "KEY",
           "the key that registers new holders and their profiles (default: the signing key)",
           false})},
    {"asset", "export", "ISIN", 1, 1, false,
     "write an instrument's register of holders as the CSV that 'asset import' reads",
     OPTS({"--csv", NULL, "CSV (the one format; required)", true},
          {"-o", "FILE", "write to FILE (default: standard output)", false})},
    {"transfer", "", "ISIN QUANTITY", 2, 2, true, "move an instrument to another account",
     OPTS({"--to", "ACCOUNT", "who receives it", true})},
    {"transfer", "check", "ISIN QUANTITY", 2, 2, false,
     "ask the node whether a transfer would pass, without submitting it",
     OPTS({"--from", "ACCOUNT", "who would send", true},
          {"--to", "ACCOUNT", "who would receive", true})},
    {"account", "balance", "ACCOUNT", 1, 1, false, "an account's holdings",
     OPTS(PAGING,
          {"--height", "H", "as of block H (refused as PRUNED below retain_blocks)", false})},
    {"account", "history", "ACCOUNT", 1, 1, false,
     "every movement of an account: block, time, reason, counterparty, transaction",
     OPTS({"--isin", "ID", "only this instrument (an ISIN or a currency code)", false},
          {"--from", "YYYY-MM-DD", "movements on or after this day (UTC)", false},
          {"--to", "YYYY-MM-DD", "movements on or before this day (UTC)", false}, PAGING)},
    {"account", "statement", "ACCOUNT", 1, 1, false, "an account's holdings as of a past point",
     OPTS({"--at", "YYYY-MM-DD", "as of the end of this day (UTC)", false},
          {"--height", "H", "as of block H", false},
          {"--csv", NULL, "write CSV (every page) instead of a table", false}, PAGING)},

    /* regulator and corporate actions */
    {"control", "freeze", "ISIN ACCOUNT", 2, 2, true, "freeze a quantity of a holding",
     OPTS({"--quantity", "QUANTITY", "units to freeze, or an amount of cash (50.25)", true},
          ORDER)},
    {"control", "unfreeze", "ISIN ACCOUNT", 2, 2, true,
     "lift a freeze (all of it without --quantity)",
     OPTS({"--quantity", "QUANTITY", "units to unfreeze, or an amount of cash (50.25)", false},
          ORDER)},
    {"control", "force-transfer", "ISIN QUANTITY", 2, 2, true,
     "propose a forced transfer (takes effect when another regulator approves)",
     OPTS({"--from", "ACCOUNT", "whose holding moves", true},
          {"--to", "ACCOUNT", "who receives it", true}, ORDER)},
    {"control", "approve", "ID", 1, 1, true, "approve another regulator's force transfer", NULL},
    {"control", "list", "", 0, 0, false,
     "every freeze (quantity, order, who placed it) and force transfer waiting for approval",
     OPTS({"--isin", "ID", "only this instrument's", false},
          {"--account", "ACCOUNT", "only those on this account", false}, PAGING)},
    {"action", "dividend", "ISIN", 1, 1, true, "announce a cash dividend (issuer)",
     OPTS({"--per-share", "AMOUNT", "paid per share, a decimal in the currency's units (0.35)",
           true},
          {"--currency", "CCY", "currency of the payment", true},
          {"--record-date", "YYYY-MM-DD", "holders at the end of this day are paid", true},
          {"--pay-date", "YYYY-MM-DD", "payment date", true})},
    {"action", "split", "ISIN", 1, 1, true, "split (or consolidate) an instrument (issuer)",
     OPTS({"--ratio", "N:M", "N new shares for every M held", true})},
    {"action", "cancel", "ID", 1, 1, true, "cancel a corporate action not yet paid", NULL},
    {"action", "list", "", 0, 0, false, "list corporate actions",
     OPTS({"--isin", "ISIN", "only this instrument's", false}, PAGING)},

    /* trading and settlement */
    {"trade", "submit", "", 0, 0, true, "submit a trade with a counterparty broker",
     OPTS({"--isin", "ISIN", "the instrument", true},
          {"--side", "buy|sell", "the submitter's side", true},
          {"--quantity", "N", "quantity", true},
          {"--price", "P", "price per unit, in currency units (12.50)", true},
          {"--currency", "CCY", "trade currency", true},
          {"--counterparty", "BROKER", "the other broker", true},
          {"--ref", "TEXT", "your reference", false})},
    {"trade", "affirm", "TRADE_ID", 1, 1, true, "affirm a trade (by the named counterparty)", NULL},
    {"trade", "cancel", "TRADE_ID", 1, 1, true,
     "cancel a trade (by the submitter, before affirmation)", NULL},
    {"trade", "list", "", 0, 0, false, "list trades",
     OPTS({"--status", "submitted|novated|partly-settled|settled|cancelled|closed", "only these",
           false},
          PAGING)},
    {"trade", "show", "TRADE_ID", 1, 1, false, "show a trade", NULL},
    {"cycle", "run", "", 0, 0, true, "run a netting and settlement cycle (clearing)", NULL},
    {"cycle", "preview", "", 0, 0, false,
     "what 'cycle run' would do now, computed on a copy of the state; commits nothing", NULL},
    {"cycle", "list", "", 0, 0, false, "list the cycles, one row per cycle and currency",
     OPTS(PAGING)},
    {"cycle", "show", "N", 1, 1, false,
     "show a cycle's figures per currency, positions and failures", NULL},
    {"cycle", "report", "N", 1, 1, false, "write a cycle's report as HTML",
     OPTS({"--html", "FILE|-", "the file to write ('-': standard output)", true})},
    {"cycle", "close", "TRADE_ID", 1, 1, true,
     "close a fail carried through enough cycles by cash compensation (clearing)",
     OPTS({"--price", "P", "reference price per unit, in the trade currency", true})},
    {"cycle", "close-after", "K", 1, 1, true,
     "set the cycles a fail must be carried before it may be closed (clearing)", NULL},
    {"settle", "instruct", "", 0, 0, true, "instruct a bilateral settlement",
     OPTS({"--deliver", "ISIN:QTY", "what you deliver", false},
          {"--receive", "ISIN:QTY", "what you receive", false},
          {"--pay", "CCY:AMOUNT", "the payment against it, in currency units (CNY:100.50)", true},
          {"--counterparty", "P", "the other side", true})},
    {"settle", "list", "", 0, 0, false, "every instruction, unmatched ones with a near-match hint",
     OPTS({"--status", "unmatched|matched|queued|settled|cancelled", "only these", false}, PAGING)},
    {"settle", "cancel", "ID", 1, 1, true,
     "cancel an instruction: alone before matching, both parties while queued", NULL},
    {"settle", "queue", "", 0, 0, false, "the matched instructions waiting to settle",
     OPTS(PAGING)},
    {"settle", "resolve", "", 0, 0, true, "resolve the queue now (clearing)", NULL},

    /* chain */
    {"tx", "show", "TXID", 1, 1, false,
     "a transaction, where it was committed and its receipt: success, or the result code "
     "and its sentence",
     NULL},
    {"block", "show", "HEIGHT", 1, 1, false,
     "a block's header, certificate and transactions with their results",
     OPTS({"--limit", "N", "show at most N transactions (default 1000)", false},
          {"--after", "INDEX", "the transactions after this index", false})},
    {"chain", "verify", "", 0, 0, false,
     "re-check every block from genesis: hash links, transaction roots, commit "
     "certificates, signatures, and every state root by re-executing the chain",
     NULL},
    {"errors", "", "[CODE|NAME]", 0, 1, false,
     "list every result code a receipt can carry, or show one", NULL},
    {"dev", "time advance", "DURATION", 1, 1, false,
     "move a --dev node's block time forward (30d, 12h, 2w) and produce a block", NULL},

    /* contracts and the VM */
    {"contract", "deploy", "FILE.bin|FILE.json", 1, 1, true,
     "deploy raw hex init code or a contract of solc --combined-json / standard-json output",
     OPTS({"--contract", "NAME", "which contract of the JSON", false},
          {"--ctor", "TYPES", "constructor types when the file has no ABI", false},
          {"--gas", "N", "gas limit", false},
          {"--args", "V...", "constructor arguments (every word up to the next option)", false})},
    {"contract", "call", "ADDRESS SIGNATURE [ARGS...]", 2, CLI_ARGS_ANY, true,
     "a contract call transaction", OPTS({"--gas", "N", "gas limit", false})},
    {"contract", "query", "ADDRESS SIGNATURE [ARGS...]", 2, CLI_ARGS_ANY, false,
     "read-only call on the committed state; SIGNATURE may end with return types, e.g. "
     "'balanceOf(address)(uint256)'",
     OPTS({"--gas", "N", "gas limit", false}, {"--from", "WHO", "the caller", false})},
    {"contract", "attach", "ISIN ADDRESS", 2, 2, true,
     "set the instrument's compliance contract (issuer; 0x0 detaches)", NULL},
    {"contract", "result", "TXID", 1, 1, false,
     "return data, gas and logs of a contract transaction", NULL},
    {"contract", "info", "ADDRESS", 1, 1, false, "nonce, code size and hash of an account", NULL},
    {"contract", "encode", "SIGNATURE [ARGS...]", 1, CLI_ARGS_ANY, false, "print the ABI call data",
     NULL},
    {"contract", "exec", "FILE.json", 1, 1, false,
     "test tool: {caller, init, gas, calls: [{input, gas}]} run through the ledger host on an "
     "empty in-memory state",
     NULL},
    {"evm", "statetest", "FILE|DIR...", 1, CLI_ARGS_ANY, false,
     "run ethereum/tests GeneralStateTests JSON files for their Cancun posts", NULL},
    {"evm", "run", "CODE_HEX", 1, 1, false, "execute bytecode in a fresh account of an empty world",
     OPTS({"--input", "HEX", "call data (default empty)", false},
          {"--gas", "N", "gas limit of the call", false},
          {"--repeat", "K", "run K times and average", false})},
    {"lsm", "solve", "FILE.json", 1, 1, false,
     "choose the queued instructions that settle together for the largest value", NULL},

    /* proofs (specs/proofs.md) */
    {"proof", "holding", "ISIN ACCOUNT", 2, 2, false,
     "a bundle proving the account's holding (or that it holds none) and that the register "
     "totals the issued supply",
     OPTS(PROOF_AT)},
    {"proof", "instrument", "ISIN", 1, 1, false, "a bundle proving an instrument's terms",
     OPTS(PROOF_AT)},
    {"proof", "participant", "ACCOUNT", 1, 1, false, "a bundle proving a participant's roles",
     OPTS(PROOF_AT)},
    {"proof", "investor", "ACCOUNT", 1, 1, false,
     "a bundle proving an investor's suitability profile", OPTS(PROOF_AT)},
    {"proof", "key", "HEX", 1, 1, false, "a bundle proving any state key's value or absence",
     OPTS(PROOF_AT)},
    {"proof", "verify", "FILE", 1, 1, false,
     "check a bundle offline (no node, no network) and say what it proves; a two-level bundle "
     "(--via-main) with the main chain's genesis only",
     OPTS({"--genesis", "FILE",
           "the chain's genesis document (default HOME/genesis.bin); for a two-level bundle "
           "the main chain's",
           false})},

    /* sub-chains (specs/chains.md) */
    {"chains", "list", "", 0, 0, false,
     "every sub-chain: status, last anchored height and time, age, signers", NULL},
    {"chains", "show", "ID", 1, 1, false,
     "one sub-chain's record: validators, period, last anchor and its signers", NULL},
    {"chains", "anchor", "ID", 1, 1, true,
     "fetch a sub-chain node's newest header and certificate and relay them as checkpoint ID",
     OPTS({"--from", "SUBHOME|URL", "the sub-chain node: its home, or its RPC address", true})},

    /* networks and certificates */
    {"testnet", "init", "", 0, 0, false,
     "write the homes of a multi-validator test network, or of a consortium of a main chain "
     "and sub-chains hosted by each member's one process (--main, --sub; chains.md §9)",
     OPTS({"--validators", "N", "number of validators (default 4)", false},
          {"--main", "M", "a consortium of M members, each a validator of the main chain", false},
          {"--sub", "NAME:N",
           "a sub-chain NAME whose validators are members 0..N-1 (repeat for several)", false},
          {"--period", "MS",
           "the anchoring period the consortium's sub-chains are registered with (default: "
           "the governed chains.anchor_period_ms in force when each is created)",
           false},
          {"--dir", "DIR", "where to write", true},
          {"--observers", "K", "number of observers (default 0)", false},
          {"--spares", "S", "validator homes outside the genesis set (default 0)", false},
          {"--base-port", "PORT", "first port (default 26600)", false},
          {"--chain-id", "ID", "the chain's id", false},
          {"--no-tls", NULL, "plain TCP between the nodes", false})},
    {"tls", "ca", "", 0, 0, false, "write a consortium CA: DIR/ca.crt and DIR/ca.key",
     OPTS({"--dir", "DIR", "where to write", true})},
    {"tls", "issue", "", 0, 0, false,
     "issue a node certificate (or a participant's client certificate) signed by the CA",
     OPTS({"--ca-dir", "DIR", "the CA's directory", true},
          {"--role", "validator|observer|participant", "the node's role, or participant", true},
          {"--name", "NAME",
           "a validator's key (64 hex), an observer's name or a participant's account (40 hex)",
           true},
          {"--out", "DIR", "where to write node.crt, node.key, ca.crt", true},
          {"--host", "HOST", "a host name for the certificate", false})},
    {"tls", "show", "CERT", 1, 1, false, "a certificate's role, name and SHA-256 fingerprint",
     NULL},
    {"tls", "revoke", "CERT", 1, 1, false,
     "add the certificate to HOME/tls/revoked: the node refuses connections presenting it", NULL},

    /* evidence */
    {"evidence", "ingest", "FILE|DIR...", 1, CLI_ARGS_ANY, true,
     "slice log files (a folder: its files, by name) into records, store the slices and "
     "anchor each (broker)",
     OPTS({"--store", "DIR", "the evidence store (default HOME/evidence)", false},
          {"--subject", "BROKER",
           "the broker whose logs these are: its key signs the anchors (as --as)", false},
          {"--format", "lines|jsonl|csv", "the logs' format (default lines, or the schema's)",
           false},
          {"--schema", "FILE",
           "a JSON schema: which fields give time, type and links, which are required "
           "(specs/evidence.md §1.4)",
           false},
          {"--progress", NULL,
           "a progress bar on stderr even when it is not a terminal (one line each 10 %; never "
           "with --json)",
           false})},
    {"evidence", "anchor", "", 0, 0, true, "anchor the slices of the store not anchored yet",
     OPTS({"--store", "DIR", "the evidence store (default HOME/evidence)", false})},
    {"evidence", "prove", "[RECORD_ID]", 0, 1, false,
     "write an offline bundle proving a record (by id, or --file and --line) and the records "
     "it links to",
     OPTS({"--out", "FILE", "where to write the bundle (or -o FILE)", false},
          {"-o", "FILE", "the same as --out", false},
          {"--record", "ID", "the record's id (64 hex), as RECORD_ID", false},
          {"--file", "F", "the record's log file, as given to ingest", false},
          {"--line", "N", "the record's line in that file", false},
          {"--store", "DIR", "the evidence store (default HOME/evidence)", false},
          {"--private", NULL, "leave the lines out: only their hashes are proved", false})},
    {"evidence", "chain", "RECORD_ID", 1, 1, false,
     "write an offline bundle proving a record's whole evidence chain: the records its links "
     "reach and the records linking to them, in time order (specs/evidence.md §6)",
     OPTS({"--out", "FILE", "where to write the bundle (or -o FILE)", false},
          {"-o", "FILE", "the same as --out", false},
          {"--store", "DIR", "the evidence store (default HOME/evidence)", false},
          {"--private", NULL, "leave the lines out: only their hashes are proved", false})},
    {"evidence", "disclose", "ACK_RECORD_ID", 1, 1, true,
     "register on chain an investor's acknowledgement and the disclosure it links to, proved "
     "against their anchored slices (broker): what --requires-disclosure asks for",
     OPTS({"--investor", "ACCOUNT", "the investor (name or account) the records name", true},
          {"--isin", "ISIN", "the instrument the disclosure names", true},
          {"--store", "DIR", "the evidence store (default HOME/evidence)", false})},
    {"evidence", "purge", "", 0, 0, false,
     "retention: delete the lines of anchored slices older than DAYS; records, roots and "
     "proofs stay valid (bundles then prove hashes only)",
     OPTS({"--older-than", "DAYS", "slices whose newest record is older than this", true},
          {"--store", "DIR", "the evidence store (default HOME/evidence)", false})},
    {"evidence", "mirror", "", 0, 0, true,
     "keep an off-site copy: verify each slice of a received store against its anchor, store it "
     "and attest it on chain (evidence.attest)",
     OPTS({"--from", "DIR", "the copy of the broker's store (any transport)", true},
          {"--store", "DIR", "this member's evidence store (default HOME/evidence)", false})},
    {"evidence", "sync", "", 0, 0, true,
     "copy, verify against their anchors and attest the slices the configured mirrors' nodes "
     "keep ([evidence] mirrors), then delete lines past [evidence] retention_days; the node "
     "runs it every replicate_every_s seconds",
     OPTS({"--from", "URLS", "these nodes' RPC URLs instead of [evidence] mirrors", false},
          {"--store", "DIR", "this member's evidence store (default HOME/evidence)", false})},
    {"evidence", "restore", "", 0, 0, false,
     "fetch a slice from a mirror (its store or its node), verify it against its anchor, put it "
     "in the store",
     OPTS({"--slice", "ROOT", "the slice root (64 hex)", true},
          {"--from", "DIR|URL",
           "the mirror's store, or its node's RPC URL (default: the [evidence] mirrors in turn)",
           false},
          {"--store", "DIR", "the evidence store (default HOME/evidence)", false})},
    {"evidence", "verify", "BUNDLE", 1, 1, false,
     "check a bundle with no node: inclusion, anchor signature, block certificate from genesis",
     OPTS({"--genesis", "FILE", "the chain's genesis.bin", true})},
    {"evidence", "status", "", 0, 0, false,
     "the store's slices: records, time range, anchored or not, lines deleted; with --copies, "
     "the attested off-site copies of each (asks the node)",
     OPTS({"--store", "DIR", "the evidence store (default HOME/evidence)", false},
          {"--copies", "N",
           "flag slices with fewer than N attested copies (default [evidence] copies_required)",
           false},
          {"--subject", "WHO", "only the slices of this subject (a name or account)", false})},
    {"evidence", "consistency", "SUBJECT M N", 3, 3, false,
     "check the node's proof that the subject's evidence log of M slices is a prefix of its "
     "log of N (RFC 9162): its past was not rewritten",
     NULL},

    /* governance (specs/governance.md) */
    {"gov", "propose", "KIND [ACCOUNT|NAME VALUE|TYPE|OP KEYS]", 1, 3, true,
     "propose a change to the committee (a member): member-admit, member-remove, role-grant, "
     "role-revoke, code-approve, code-revoke, param-set, action, validator-set",
     OPTS({"--weight", "W", "member-admit: the new member's weight (1 to 1000000)", false},
          {"--role", "ROLE[,ROLE...]", "role-grant, role-revoke: the roles", false},
          {"--hash", "HEX", "code-approve, code-revoke: the 64-hex code hash", false},
          {"--file", "FILE.bin|FILE.json", "code-approve, code-revoke: hash this contract's code",
           false},
          {"--contract", "NAME", "with --file: which contract of the JSON", false},
          {"--payload", "HEX", "action: the transaction type's msgpack payload", false},
          {"--expires-in", "N", "voting closes N blocks from now (default 1000)", false},
          {"--expiry-height", "H", "voting closes after block H", false},
          {"--delay", "N", "blocks from passing to activation (default 1)", false},
          {"--height", "F", "validator-set: the first block the new set certifies", false})},
    {"gov", "vote", "ID yes|no|abstain", 2, 2, true,
     "vote on an open proposal (a member; once per proposal)", NULL},
    {"gov", "list", "", 0, 0, false, "list proposals with their tally",
     OPTS({"--status", "open|passed|activated|failed|expired", "only these", false}, PAGING)},
    {"gov", "show", "ID", 1, 1, false, "a proposal: what it does, tally, votes, result", NULL},
    {"gov", "committee", "", 0, 0, false,
     "the members, their weights and the governed parameters (in force, and pending changes "
     "with their activation heights)",
     NULL},

    /* the table itself */
    {"commands", "", "", 0, 0, false, "list every command with its arguments and options", NULL},
    {"completion", "bash", "", 0, 0, false, "the bash completion script, from this table", NULL},
    {"man", "", "", 0, 0, false, "the man page folio(1) in roff, from this table", NULL},
};
const size_t cli_cmds_n = sizeof cli_cmds / sizeof cli_cmds[0];
