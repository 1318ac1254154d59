"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models.announcement import Announcement, AnnouncementDismissal
from models.clip import Clip, ClipView
from models.comment import CommentLike, PostComment
from models.conversation import Attachment, Conversation, Membership, Message, Reaction
from models.moderation import AuditEntry, Report
from models.party import Participant, Party, PartyMessage, QueueItem
from models.playlist import Playlist, PlaylistCollaborator, PlaylistFollow, PlaylistItem
from models.post import Post, PostLike
from models.social import Block, Follow, Notification, NotificationActor, NotificationMute
from models.stream import StreamEvent, StreamMark
from models.user import ApiToken, LoginSession, Role, User

__all__ = [
    "Announcement",
    "AnnouncementDismissal",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Block",
    "Clip",
    "ClipView",
    "CommentLike",
    "Conversation",
    "Follow",
    "LoginSession",
    "Membership",
    "Message",
    "Notification",
    "NotificationActor",
    "NotificationMute",
    "Participant",
    "Party",
    "PartyMessage",
    "Playlist",
    "PlaylistCollaborator",
    "PlaylistFollow",
    "PlaylistItem",
    "Post",
    "PostComment",
    "PostLike",
    "QueueItem",
    "Reaction",
    "Report",
    "Role",
    "StreamEvent",
    "StreamMark",
    "User",
]
