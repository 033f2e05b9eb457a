/* Limits of the contract VM, one #define each with its reason. They belong in
 * ledger/ldg_limits.h ("VM" section) once that file's owner takes them over. */
#ifndef LDG_EVM_LIMITS_H
#define LDG_EVM_LIMITS_H

/* EVM operand stack depth: fixed by the Ethereum yellow paper; contracts rely on it. */
#define LDG_EVM_STACK_MAX 1024

/* Nested message calls (CALL/CREATE family): the Ethereum value, so compiled contracts
 * behave as on mainnet; also bounds the C recursion of host->call -> interpreter. */
#define LDG_EVM_CALL_DEPTH_MAX 1024

/* Deployed code size, EIP-170 (Spurious Dragon); keeps code analysis bounded. */
#define LDG_EVM_CODE_SIZE_MAX 24576

/* Init code size, EIP-3860 (Shanghai): twice the deployed code cap. */
#define LDG_EVM_INITCODE_SIZE_MAX (2 * LDG_EVM_CODE_SIZE_MAX)

/* Memory of one call frame. Not an Ethereum rule: the quadratic memory gas makes 32 MiB
 * cost about 2^31 gas, far above any block gas limit, so no valid execution reaches it;
 * a frame asking for more fails as out of gas instead of allocating. */
#define LDG_EVM_MEMORY_SIZE_MAX (32u * 1024 * 1024)

/* Topics per log: LOG0..LOG4. */
#define LDG_EVM_LOG_TOPICS_MAX 4

/* Blob hashes per transaction (EIP-4844, Cancun: 6 blobs of 131072 gas per block). */
#define LDG_EVM_BLOB_HASHES_MAX 6

_Static_assert(LDG_EVM_INITCODE_SIZE_MAX == 49152, "EIP-3860 init code cap");
_Static_assert(LDG_EVM_CODE_SIZE_MAX == 24576, "EIP-170 code cap");

#endif
