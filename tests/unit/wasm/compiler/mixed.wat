;; A module the compiler does not cover (f32 arithmetic) calling a compiled one's export: it runs
;; on the interpreter, its callee compiled (CompilerTest.cpp, TiersCallEachOther).
(module
  (import "agree" "i32_ops" (func $ops (param i32 i32) (result i32)))
  (func (export "f") (param i32 i32) (result i32)
    (i32.add (call $ops (local.get 0) (local.get 1))
             (i32.trunc_f32_s (f32.add (f32.const 1.5) (f32.const 1.5))))))
