#pragma once
// Statements run many times on one connection (an import's few per topic): prepared once per
// connection, then only executed. exec_params has PostgreSQL parse and plan the statement again
// on every call, which was a fifth of the store's CPU in an import.

#include <pqxx/pqxx>

#include <string>
#include <utility>

namespace forumgate::pg {

/// Runs `sql`, prepared under `name` on the transaction's connection the first time the
/// connection runs it (libpqxx prepares lazily and keeps it for the connection's life). Each
/// name must always be given the same `sql`.
template <typename... Args>
pqxx::result exec_prepared(pqxx::transaction_base &txn, std::string const &name, std::string const &sql, Args &&...args)
{
    txn.conn().prepare(name, sql);
    return txn.exec_prepared(name, std::forward<Args>(args)...);
}

} // namespace forumgate::pg
