#pragma once

// What a wait made through a handle re-checks. The waiting itself is a platform seam
// (kernel/platform/WaitProvider.h).
#include <kernel/lib/Types.h>
#include <kernel/platform/WaitProvider.h>

namespace ath::object {

// What a wait through a handle re-checks after every wake-up: `holds(context)` false ends the wait
// (the handle it was made through was revoked or closed). Objects wake their waiters when one of
// their handles goes (Object::handle_dropped), so the wait ends at once, not at its deadline.
struct WaitCondition {
    bool (*holds)(const void* context) { nullptr };
    const void* context { nullptr };
    bool broken() const { return holds && !holds(context); }
};

} // namespace ath::object
