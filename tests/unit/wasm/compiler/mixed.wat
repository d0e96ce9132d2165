;; A module the compiler does not cover (SIMD) calling a compiled one's export: it runs on the
;; interpreter, its callee compiled (CompilerTest.cpp, UncoveredModulesRunOnTheInterpreterAndSaySo).
(module
  (import "agree" "i32_ops" (func $ops (param i32 i32) (result i32)))
  (func (export "f") (param i32 i32) (result i32)
    (i32.add (call $ops (local.get 0) (local.get 1))
             (i32x4.extract_lane 1 (v128.const i32x4 1 3 5 7)))))
