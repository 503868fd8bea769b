#pragma once
// JSON documents in the state store, changed by optimistic read-modify-write: read with the ETag,
// apply the change, save with that ETag (first-write when absent).
//
// Why a class and not a loop around get/save: a learner's requests arrive together (a burst of
// lesson generations, a page ticking several exercises), and every one of them changes the same
// document. A bare retry loop lets N writers of one key race, and the losers re-read and lose again
// until they run out of attempts. So within one process the writes of a key are queued and
// combined: while one write of a key is in flight, later changes wait, and the next write applies
// all of them in one read-modify-write (group commit). Writers in other replicas can still get
// there first; those conflicts (409) are retried after a jittered, exponentially growing pause so
// that contending replicas spread out instead of colliding again in lockstep.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"

namespace lf::services {

// `change` edits the document (an empty object when absent) and returns false when nothing needs
// to be written (e.g. an event already applied). It may run more than once (after a conflict,
// against the newer document), so it must start from what it is given each time.
using DocumentChange = std::function<bool(nlohmann::json& document)>;

struct ConflictBackoff {
  // The pause before retry n (n = 0, 1, ...) is jitter(min(cap, first * 2^n)).
  Duration first = std::chrono::milliseconds(10);
  Duration cap = std::chrono::milliseconds(640);
  int max_attempts = 10;
  // Picks a pause in [0, ceiling]; uniform random by default ("full jitter"). Tests fix it.
  std::function<Duration(Duration ceiling)> jitter;
};

// Uniformly random in [0, ceiling].
Duration full_jitter(Duration ceiling);

class StateDocuments {
 public:
  StateDocuments(dapr::DaprClient& dapr, Scheduler& scheduler, std::string store, ConflictBackoff backoff = {});
  StateDocuments(const StateDocuments&) = delete;
  StateDocuments& operator=(const StateDocuments&) = delete;

  // Applies `change` to the document `key` and returns the document as stored (including the
  // changes of other requests written in the same round). Errors: the store's own error, or the
  // last 409 when max_attempts writes in a row lost to other writers. The round's state calls
  // carry `trace`; a round combining several changes carries the first one's that has a trace.
  boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> update(std::string key, DocumentChange change,
                                                                  dapr::TraceContext trace);
  // For changes made on no request's behalf. Not a coroutine: a default argument of a coroutine
  // call is destroyed twice by g++ 12.
  boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> update(std::string key, DocumentChange change) {
    return update(std::move(key), std::move(change), dapr::TraceContext::none());
  }

  // Writes to the store so far (each read-modify-write round that saved, plus the failed ones).
  int save_rounds() const { return save_rounds_; }
  // Conflicts (409) met so far.
  int conflicts() const { return conflicts_; }

 private:
  struct Waiter;
  struct KeyQueue {
    std::vector<Waiter*> pending;  // arrived while a write of this key was in flight
  };

  boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> write_round(const std::string& key,
                                                                       const std::vector<Waiter*>& batch);
  boost::asio::awaitable<void> pause(Duration delay);

  dapr::DaprClient& dapr_;
  Scheduler& scheduler_;
  std::string store_;
  ConflictBackoff backoff_;
  std::map<std::string, KeyQueue> writing_;  // keys with a write in flight
  int save_rounds_ = 0;
  int conflicts_ = 0;
};

// Reads a JSON document; nullopt when absent. A stored value that is not a JSON object is
// reported as an error (status 500, error_code LF_BAD_DOCUMENT).
boost::asio::awaitable<dapr::DaprResult<std::optional<nlohmann::json>>> read_document(
    dapr::DaprClient& dapr, const std::string& store, const std::string& key, dapr::TraceContext trace);

}  // namespace lf::services
