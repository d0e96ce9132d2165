;; A host function that calls back into the instance that called it (CompilerTest.cpp,
;; HostFunctionsReenterCompiledCode): compiled -> host -> compiled, and a trap coming back out.
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (func $inner (export "inner") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (unreachable)))
    (i32.mul (local.get 0) (i32.const 3)))
  (func (export "outer") (param i32) (result i32)
    (i32.add (call $reenter (local.get 0)) (i32.const 1))))
