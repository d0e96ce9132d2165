#pragma once

// The decoded, validated and translated form of a module. Everything points into storage owned by
// the ModuleData itself (including a private copy of the module bytes for names and data segments).
#include <kernel/wasm/Code.h>
#include <kernel/wasm/Runtime.h>
#include <kernel/wasm/Vector.h>

namespace ath::wasm {

struct NativeModule; // NativeTier.h

struct FunctionTypeData {
    u32 parameter_offset; // into ModuleData::type_pool
    u32 parameter_count;
    u32 result_offset;
    u32 result_count;
};

// A constant expression. Wasm 2.0 allows exactly one instruction before `end`.
struct ConstantExpression {
    enum class Kind : u8 { I32, I64, F32, F64, V128, RefNull, RefFunc, GlobalGet };
    Kind kind { Kind::I32 };
    ValueType type { ValueType::I32 };
    u32 index { 0 }; // RefFunc / GlobalGet
    u64 low { 0 };
    u64 high { 0 };
};

struct ImportData {
    StringView module_name;
    StringView field_name;
    ExternKind kind;
    u32 type_index; // Function
    TableType table;
    MemoryType memory;
    GlobalType global;
};

struct ExportData {
    StringView name;
    ExternKind kind;
    u32 index;
};

struct GlobalData {
    GlobalType type;
    ConstantExpression initializer; // only for defined globals
};

enum class SegmentMode : u8 { Passive, Active, Declarative };

struct ElementSegmentData {
    SegmentMode mode;
    ValueType type;
    u32 table_index;
    ConstantExpression offset;
    u32 first_item; // into ModuleData::element_items
    u32 item_count;
};

struct DataSegmentData {
    SegmentMode mode;
    u32 memory_index;
    ConstantExpression offset;
    ReadonlyBytes bytes;
};

struct FunctionData {
    u32 type_index;
    // Defined functions only:
    u32 local_types_offset; // into type_pool: parameters then declared locals
    u32 local_count;        // parameters + declared locals
    u32 body_offset;        // absolute offsets of the body (after the locals) in the module bytes
    u32 body_size;
    // Filled by the compiler:
    u32 code_offset;      // into ModuleData::code (Instr index)
    u32 parameter_slots;  // 8-byte slots of the parameters
    u32 local_slots;      // slots of the declared (zero-initialised) locals
    u32 result_slots;
    u32 max_stack_slots;  // operand stack high-water mark
};

struct ModuleData {
    Allocator* allocator;
    u32 reference_count { 1 };

    u8* bytes { nullptr };
    usize byte_count { 0 };

    Vector<ValueType> type_pool;
    Vector<FunctionTypeData> types;
    Vector<ImportData> imports;
    Vector<FunctionData> functions; // imported first
    Vector<TableType> tables;       // imported first
    Vector<MemoryType> memories;    // imported first
    Vector<GlobalData> globals;     // imported first
    Vector<ExportData> exports;
    Vector<ElementSegmentData> elements;
    Vector<ConstantExpression> element_items;
    Vector<DataSegmentData> data_segments;
    Vector<u8> declared_function_references; // 1 = may be named by ref.func
    Optional<u32> start_function;
    Optional<u32> data_count;
    u32 imported_function_count { 0 };
    u32 imported_table_count { 0 };
    u32 imported_memory_count { 0 };
    u32 imported_global_count { 0 };

    Vector<Instr> code;
    Module* self { nullptr };

    // The compiled tier (NativeTier.h): compiled on the first instantiation in a Store that asks
    // for it; `native_failure` says why not when the compiler declined.
    NativeModule* native { nullptr };
    bool native_attempted { false };
    const char* native_failure { nullptr };

    explicit ModuleData(Allocator& allocator);
    ~ModuleData();

    FunctionType function_type(u32 type_index) const
    {
        const auto& type = types[type_index];
        return FunctionType {
            Span<const ValueType>(type_pool.data() + type.parameter_offset, type.parameter_count),
            Span<const ValueType>(type_pool.data() + type.result_offset, type.result_count),
        };
    }
    FunctionType function_type_of(u32 function_index) const { return function_type(functions[function_index].type_index); }
    ExternType extern_type_of(ExternKind kind, u32 index) const;
};

// Decoding (Decoder.cpp) fills everything but the code; compiling (Compiler.cpp) validates every
// body and emits the internal code.
ErrorOr decode_module(ModuleData&);
ErrorOr compile_function(ModuleData&, u32 function_index);
// Decoding errors outrank validation errors: run when compilation found the module invalid.
ErrorOr scan_bodies_for_malformed(const ModuleData&, u32 first_function);

inline u32 slot_count(ValueType type) { return type == ValueType::V128 ? 2 : 1; }

} // namespace ath::wasm
