;; The back-edge and entry polls of compiled code (CompilerTest.cpp, PollsFuelAndInterrupts).
(module
  (func (export "spin") (loop $again (br $again)))
  (func $down (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (call $down (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "calls") (param i32) (result i32) (call $down (local.get 0))))
