/* azoth-imports: a WASI program that also uses the `azoth` imports, run by ./azoth exec
 * (wasi.azoth-imports): events, regions mapped into its memory, a channel, handle rights and
 * derivation work hosted; a booted-only row (spawn) answers E_UNSUPPORTED; a name the (absent)
 * manifest does not grant is E_NOT_FOUND. */
#include <azoth.h>
#include <stdio.h>
#include <string.h>

static _Alignas(65536) unsigned char window[65536];
static int failures;

static void expect(const char* what, azoth_status_t got, azoth_status_t wanted)
{
    printf("%s: %s%s\n", what, azoth_status_name(got), got == wanted ? "" : " (FAIL)");
    failures += got != wanted;
}

int main(void)
{
    azoth_handle_t event, weaker, region, channel, endpoint;
    uint32_t bits = 0, rights = 0, length = 0, child = 0;
    expect("event_create", azoth_event_create(&event), AZOTH_OK);
    expect("event_signal", azoth_event_signal(event, 6), AZOTH_OK);
    expect("event_wait", azoth_event_wait(event, 2, 0, &bits), AZOTH_OK);
    printf("bits taken: %u\n", bits);
    expect("handle_derive", azoth_handle_derive(event, AZOTH_RIGHT_READ, &weaker), AZOTH_OK);
    expect("handle_rights", azoth_handle_rights(weaker, &rights), AZOTH_OK);
    printf("derived rights: %s\n", rights == AZOTH_RIGHT_READ ? "read only" : "FAIL");
    expect("event_signal through a read-only handle", azoth_event_signal(weaker, 1), AZOTH_E_PERMISSION_DENIED);
    expect("region_create", azoth_region_create(sizeof window, &region), AZOTH_OK);
    expect("region_map", azoth_region_map(region, (uint32_t)(uintptr_t)window, 1), AZOTH_OK);
    memcpy(window, "mapped", 7);
    expect("region_unmap", azoth_region_unmap((uint32_t)(uintptr_t)window), AZOTH_OK);
    expect("channel_create", azoth_channel_create(65536, 256, &channel), AZOTH_OK);
    expect("channel_send", azoth_channel_send(channel, "through the ring", 17, 0), AZOTH_OK);
    char received[64] = { 0 };
    expect("channel_receive", azoth_channel_receive(channel, received, sizeof received, 0, &length), AZOTH_OK);
    printf("received %u bytes: %s\n", length, received);
    expect("endpoint_create (no azoth_handle export)", azoth_endpoint_create(&endpoint), AZOTH_E_INVALID_ARGUMENT);
    expect("handle_find (no manifest here)", azoth_handle_find("server", 6, &endpoint), AZOTH_E_NOT_FOUND);
    expect("spawn (booted only)", azoth_spawn(0, &child), AZOTH_E_UNSUPPORTED);
    expect("handle_close", azoth_handle_close(event), AZOTH_OK);
    expect("event_signal on a closed handle", azoth_event_signal(event, 1), AZOTH_E_BAD_HANDLE);
    printf("azoth-imports: %d failed\n", failures);
    return failures != 0;
}
