"""Rate-limit budgets: one allowance per action, whatever the door.

A budget is the setting that gives its figure (config.py) and the scope that names its
counter. Page forms and JSON routes (`route_limits.per_user`) and socket events
(`sockets.connection.handler`) name the budget of the action they perform, so doing the
same thing through another door draws on the same count, in memory as in Redis. Every
per-user limit is one of these; there are no counters of a single door.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    setting: str
    scope: str


# Accounts, people and the site
ECHO = Budget("ECHO_RATE_LIMIT", "echo")
PRESENCE = Budget("SOCKET_EVENT_RATE_LIMIT", "presence")
TIME_PING = Budget("SOCKET_PING_RATE_LIMIT", "time-ping")
SOCIAL_WRITE = Budget("SOCIAL_WRITE_RATE_LIMIT", "social-write")  # follow, unfollow, (un)block
SETTINGS_WRITE = Budget("SETTINGS_WRITE_RATE_LIMIT", "settings-write")
ACCOUNT_EXPORT = Budget("ACCOUNT_EXPORT_RATE_LIMIT", "account-export")
ACCOUNT_DELETE = Budget("ACCOUNT_DELETE_RATE_LIMIT", "account-delete")
AVATAR_UPLOAD = Budget("AVATAR_UPLOAD_RATE_LIMIT", "avatar-upload")
NOTIFICATION_READ = Budget("NOTIFICATION_READ_RATE_LIMIT", "notification-read")
REPORT = Budget("REPORT_RATE_LIMIT", "report")
MODERATION = Budget("MODERATION_RATE_LIMIT", "moderation")
ANNOUNCEMENT = Budget("MODERATION_RATE_LIMIT", "announcement")  # post, withdraw
ANNOUNCEMENT_DISMISS = Budget("NOTIFICATION_READ_RATE_LIMIT", "announcement-dismiss")

# Conversations
SEND_MESSAGE = Budget("MESSAGE_RATE_LIMIT", "send-message")
MESSAGE_EDIT = Budget("CONVERSATION_WRITE_RATE_LIMIT", "message-edit")
MESSAGE_DELETE = Budget("CONVERSATION_WRITE_RATE_LIMIT", "message-delete")
MESSAGE_REACT = Budget("CONVERSATION_WRITE_RATE_LIMIT", "message-react")
MESSAGE_READ = Budget("CONVERSATION_WRITE_RATE_LIMIT", "message-read")
TYPING = Budget("TYPING_RATE_LIMIT", "typing")  # in conversations and in parties
UPLOAD = Budget("UPLOAD_RATE_LIMIT", "upload")  # attachments and conversation pictures
CONVERSATION_CREATE = Budget("CONVERSATION_WRITE_RATE_LIMIT", "conversation-create")
CONVERSATION_JOIN = Budget("CONVERSATION_WRITE_RATE_LIMIT", "conversation-join")
CONVERSATION_LEAVE = Budget("CONVERSATION_WRITE_RATE_LIMIT", "conversation-leave")
CONVERSATION_MEMBERS = Budget("CONVERSATION_WRITE_RATE_LIMIT", "conversation-members")
CONVERSATION_SETTINGS = Budget("CONVERSATION_WRITE_RATE_LIMIT", "conversation-settings")

# Watch parties
PARTY_CREATE = Budget("PARTY_CREATE_RATE_LIMIT", "party-create")
# Becoming a participant, by code or by id, on a page, over the API or the socket.
PARTY_JOIN = Budget("PARTY_JOIN_RATE_LIMIT", "party-join")
# `party:join` itself, also sent by reconnecting clients to re-enter a party they are in.
PARTY_REJOIN = Budget("PARTY_JOIN_SOCKET_RATE_LIMIT", "party-rejoin")
PARTY_LEAVE = Budget("PARTY_JOIN_RATE_LIMIT", "party-leave")
PARTY_CODE_LOOKUP = Budget("PARTY_CODE_LOOKUP_RATE_LIMIT", "party-code-lookup")
PARTY_CONTROL = Budget("PARTY_CONTROL_RATE_LIMIT", "party-control")  # play ... next
PARTY_HEARTBEAT = Budget("PARTY_HEARTBEAT_RATE_LIMIT", "party-heartbeat")
PARTY_CHAT = Budget("PARTY_CHAT_RATE_LIMIT", "party-chat")
PARTY_REACTION = Budget("PARTY_REACTION_RATE_LIMIT", "party-reaction")
PARTY_LIFECYCLE = Budget("PARTY_WRITE_RATE_LIMIT", "party-lifecycle")  # start, end
PARTY_PEOPLE = Budget("PARTY_WRITE_RATE_LIMIT", "party-people")  # decide, role, remove
PARTY_QUEUE = Budget("PARTY_WRITE_RATE_LIMIT", "party-queue")
PARTY_INVITE = Budget("SOCIAL_WRITE_RATE_LIMIT", "party-invite")

# Playlists
PLAYLIST_CREATE = Budget("PLAYLIST_WRITE_RATE_LIMIT", "playlist-create")
PLAYLIST_EDIT = Budget("PLAYLIST_WRITE_RATE_LIMIT", "playlist-edit")  # change, delete
PLAYLIST_PEOPLE = Budget("PLAYLIST_WRITE_RATE_LIMIT", "playlist-people")  # collaborators
PLAYLIST_ITEMS = Budget("PLAYLIST_ITEM_RATE_LIMIT", "playlist-items")  # add, remove, move
PLAYLIST_FOLLOW = Budget("SOCIAL_WRITE_RATE_LIMIT", "playlist-follow")
# Posts
POST_WRITE = Budget("POST_WRITE_RATE_LIMIT", "post-write")  # create, edit, delete
POST_LIKE = Budget("POST_LIKE_RATE_LIMIT", "post-like")  # like, unlike
# Clips
CLIP_WRITE = Budget("CLIP_WRITE_RATE_LIMIT", "clip-write")  # make, change, delete

# Search
SEARCH = Budget("SEARCH_RATE_LIMIT", "search")  # the page (each debounced keystroke) and the API

# Comments on posts (typing under a post draws on TYPING)
COMMENT_WRITE = Budget("COMMENT_WRITE_RATE_LIMIT", "comment-write")  # create, edit, delete
COMMENT_LIKE = Budget("COMMENT_LIKE_RATE_LIMIT", "comment-like")  # like, unlike
