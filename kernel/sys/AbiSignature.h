#pragma once

// The signature strings of the ABI tables (kernel/sys/abi/*.def): "params:results", one letter per
// Wasm value — i = i32, I = i64, f = f32, F = f64. Parsed once per import resolution.
#include <kernel/lib/Assert.h>
#include <kernel/lib/StringView.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

struct AbiSignature {
    static constexpr usize max_parameters = 12;
    static constexpr usize max_results = 2;

    wasm::ValueType parameters[max_parameters];
    usize parameter_count { 0 };
    wasm::ValueType results[max_results];
    usize result_count { 0 };

    wasm::FunctionType type() const
    {
        return { Span<const wasm::ValueType>(parameters, parameter_count),
            Span<const wasm::ValueType>(results, result_count) };
    }

    // The tables are ours, so a bad string is a kernel bug (VERIFY), not an input error.
    static AbiSignature parse(StringView text)
    {
        AbiSignature signature;
        bool in_results = false;
        for (char c : text) {
            if (c == ':') {
                in_results = true;
                continue;
            }
            VERIFY(c == 'i' || c == 'I' || c == 'f' || c == 'F');
            auto type = c == 'i' ? wasm::ValueType::I32
                : c == 'I'       ? wasm::ValueType::I64
                : c == 'f'       ? wasm::ValueType::F32
                                 : wasm::ValueType::F64;
            if (in_results) {
                VERIFY(signature.result_count < max_results);
                signature.results[signature.result_count++] = type;
            } else {
                VERIFY(signature.parameter_count < max_parameters);
                signature.parameters[signature.parameter_count++] = type;
            }
        }
        return signature;
    }
};

} // namespace ath::sys
