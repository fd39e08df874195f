"""Fixed bot messages, and the procedure renderer the actions use (from ``knowledge.answers``).

The answers themselves are rendered in the knowledge layer, so that the bot, the API summary
(``GET /api/procedures/{code}/summary``) and the agent page say the same thing.
"""

from __future__ import annotations

from knowledge.answers import (
    ASPECTS,
    FOLLOW_UP_ASPECTS,
    Aspect,
    abolished_notice,
    aspect_buttons,
    button_payload,
    citation,
    format_answer,
    is_abolished,
    shorten,
    title_of,
)
from knowledge.enums import AnswerQuality

__all__ = [
    "ASPECTS",
    "FOLLOW_UP_ASPECTS",
    "Aspect",
    "abolished_notice",
    "aspect_buttons",
    "button_payload",
    "citation",
    "format_answer",
    "is_abolished",
    "shorten",
    "title_of",
]

# --------------------------------------------------------------------------- fixed messages
# Sent by the actions (kept out of the domain's responses, which Rasa's validator wants
# used by stories or rules). ``{hotline}`` and ``{portal_url}`` come from the settings.

CHOOSE_PROCEDURE = "Có vài thủ tục gần giống nhau, bạn chọn giúp mình thủ tục đúng nhé:"
CONFIRM_PROCEDURE = "Ý bạn là thủ tục «{name}» (Mã thủ tục: {code})?"
PICK_ONE = "Bạn bấm chọn một thủ tục trong danh sách giúp mình nhé:"
ASK_PROCEDURE_NAME = (
    "Bạn đang hỏi về thủ tục nào ạ? Ví dụ: đăng ký khai sinh, cấp đổi thẻ căn cước, "
    "cấp phiếu lý lịch tư pháp…"
)
REPHRASE_PROCEDURE = (
    'Xin lỗi bạn. Bạn nói rõ hơn tên thủ tục giúp mình (ví dụ: "cấp lại giấy phép lái xe"), '
    "hoặc gọi tổng đài {hotline} để được cán bộ hỗ trợ."
)
NO_MATCH = (
    "Mình chưa tìm thấy thủ tục nào khớp với câu hỏi. Bạn thử gọi đúng tên thủ tục "
    '(ví dụ: "đăng ký thường trú"), hoặc gọi tổng đài {hotline} để được cán bộ hỗ trợ.'
)
QUESTION_TOO_LONG = (
    "Câu hỏi dài quá (tối đa {max_chars} ký tự). Bạn hỏi ngắn gọn lại giúp mình nhé."
)
SERVICE_UNAVAILABLE = (
    "Xin lỗi, hệ thống tra cứu đang gặp sự cố. Bạn thử lại sau ít phút hoặc gọi tổng đài "
    "{hotline} nhé."
)
ANYTHING_ELSE = "Dạ. Bạn cần hỏi gì thêm về thủ tục hành chính không ạ?"
OUT_OF_SCOPE = (
    "Xin lỗi, mình chỉ hỗ trợ về thủ tục hành chính công: giấy tờ cần nộp, lệ phí, thời hạn, "
    'nơi nộp, các bước thực hiện, và tra cứu hồ sơ. Ví dụ: "đổi căn cước mất bao nhiêu tiền?"'
)
ASK_REPHRASE = (
    "Xin lỗi, mình chưa hiểu rõ ý bạn. Bạn nói rõ hơn giúp mình tên thủ tục và điều bạn muốn "
    "biết (giấy tờ, lệ phí, thời hạn, nơi nộp…) nhé."
)
OFFER_HUMAN = (
    "Mình vẫn chưa hiểu được câu hỏi, xin lỗi bạn. Bạn có thể gọi tổng đài {hotline} để gặp "
    "cán bộ hỗ trợ."
)
HANDOFF = (
    "Bạn gọi tổng đài {hotline} (giờ hành chính) để gặp cán bộ của Trung tâm, hoặc gửi câu hỏi "
    "trên Cổng dịch vụ công {portal_url}."
)
HANDOFF_CONTEXT = " Khi gọi, bạn đọc mã thủ tục {code} để được hỗ trợ nhanh hơn."
# Read by the chat gateway: queue the conversation for an agent (see actions.handoff).
HANDOFF_MARKER = {"handoff": True, "reason": "asked"}
FALLBACK_HANDOFF_MARKER = {"handoff": True, "reason": "fallback"}
# Read by the chat gateway too: the question behind this answer goes to the admins' analytics.
UNANSWERED_MARKER = {"answer_quality": AnswerQuality.unanswered.value}
LOW_CONFIDENCE_MARKER = {"answer_quality": AnswerQuality.low_confidence.value}
FEEDBACK_SAVED = (
    "Cảm ơn bạn đã góp ý! Nội dung đã được ghi nhận. Nếu cần phản ánh chính thức, bạn gửi qua "
    "Cổng dịch vụ công {portal_url} hoặc gọi tổng đài {hotline}."
)
HUMAN_BUTTON = {"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}
