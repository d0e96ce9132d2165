#pragma once

// The "spectest" host module of the reference interpreter (interpreter/host/spectest.ml), which
// spec scripts import: print functions that do nothing here, four immutable globals of value 666
// (666.6 for floats), a funcref table of 10..20 elements and a memory of 1..2 pages.
#include <kernel/lib/FixedVector.h>
#include <kernel/wasm/Runtime.h>

namespace ath::spec {

class SpectestModule {
public:
    // Creates the host objects in `store`; they live as long as the store.
    static Result<SpectestModule> create(wasm::Store&);

    Optional<wasm::Extern> find(StringView field) const;

private:
    struct Export {
        const char* name;
        wasm::Extern value;
    };
    FixedVector<Export, 16> m_exports;
};

} // namespace ath::spec
