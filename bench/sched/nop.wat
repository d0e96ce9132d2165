;; The smallest WASI command: start latency measures the kernel's work, not the module's.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
