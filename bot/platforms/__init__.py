"""Platform adapters: WeCom (AI bot over HTTP or a long connection, self-built app) and DingTalk
(Stream mode and HTTP mode).

Each adapter verifies a delivery first (signature, then freshness), decrypts and parses it, strips
the @mention, builds a neutral :class:`~bot.messages.IncomingMessage`, hands it to the
:class:`~bot.platforms.gateway.Gateway` (dedupe, then the router) and renders the neutral
:class:`~bot.messages.Reply` back within the platform's limits. Adapters know wire formats,
signatures and platform limits; they must not know what a FAQ item, a stage or a meeting means —
that is the handlers' business, reached only through the gateway.
"""

from bot.platforms.gateway import Adapter, Gateway, InboundKey

__all__ = ["Adapter", "Gateway", "InboundKey"]
