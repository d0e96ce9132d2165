// sdk.cpp-layer: every type and call of sdk/include/azoth.hpp compiled for wasm32-wasi (templates and
// members a module does not use would otherwise go unchecked).
#include <azoth.hpp>
alignas(65536) static uint8_t window[65536];
int main() {
    auto r = azoth::Region::create(65536); auto m = r->map(window, sizeof window, true);
    auto c = azoth::Channel::create(65536, 256); char b[8]; (void)c->send("x", 1, 0); (void)c->receive(b, 8, 0);
    auto d = azoth::Device::find("d"); (void)d->read(0, 4); (void)d->write(0, 4, 1);
    auto e = azoth::Event::create(); auto i = azoth::Irq::find("i"); (void)i->bind(*e, 1); (void)i->ack();
    auto t = azoth::Timer::create(); (void)t->bind(*e, 2); (void)t->set(1, 0); (void)t->cancel();
    auto h = azoth::Handle::find("x"); (void)h->rights(); (void)h->derive(1);
    auto p = azoth::Endpoint::find("p"); (void)p->call(1); (void)p->send(1);
    return azoth::serve_forever();
}
