#pragma once

// An Endpoint is the door to a server: the server's process plus the handler a call runs
// (kernel/ipc/Call.h has the call rules). For a Wasm server the handler invokes the module's
// exported `azoth_handle` (kernel/sys/Azoth.cpp); kernel services can bind a native handler.
#include <kernel/object/ProcessObject.h>

namespace ath::object {

// A message: four 64-bit words each way. Bulk data goes through regions.
struct CallWords {
    u64 words[4] {};
};

class CallTarget {
public:
    // Runs on the caller's thread with `server` as the current process. A Trap error means the
    // server trapped; the caller gets an error, never the trap.
    virtual Result<CallWords> handle(ProcessObject& server, const CallWords& message) = 0;
    // The same with the reply written into `reply` (what the call path uses: no Result copy of
    // the words). The default forwards to handle().
    virtual ErrorOr handle_into(ProcessObject& server, const CallWords& message, CallWords& reply)
    {
        auto result = handle(server, message);
        if (result.is_error())
            return result.release_error();
        reply = result.value();
        return {};
    }

protected:
    ~CallTarget() = default;
};

class Endpoint final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Endpoint;

    static Result<RefPtr<Endpoint>> create(ObjectAllocator& allocator, ProcessObject& server, CallTarget& target)
    {
        return make_object<Endpoint>(allocator, server, target);
    }

    ProcessObject& server() const { return *m_server; }
    CallTarget& target() const { return m_target; }

    Endpoint(ProcessObject& server, CallTarget& target) : Object(ObjectType::Endpoint), m_server(&server), m_target(target) { }

private:
    RefPtr<ProcessObject> m_server;
    CallTarget& m_target;
};

} // namespace ath::object
