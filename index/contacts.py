"""What a contact line is: a phone number, an address or a mailbox given for readers to use
(联系电话：0571-12345678, 咨询电话：县疾控中心0748-5521907), which a notice closes with and
which answers "which number" but never "how" (``index/roles``).

A line that opens on a contact's label is one. A sentence that gives a number on the way is one
when little follows the number (its hours, another number, 反映) — not a measure that names its
hotline as it goes (四是开通举报电话…，群众举报…经查实的，给予最高5000元奖励)."""

from __future__ import annotations

import re

from index.chars import CJK

MAX_CONTACT_CHARS = 120
_CONTACT = re.compile(
    r"^(?:联系人|聯繫人|聯絡人|联系电话|聯繫電話|聯絡電話|咨询电话|諮詢電話|咨詢電話|联系方式|聯繫方式|"
    r"聯絡方式|电话|電話|传真|傳真|电子邮箱|電子郵箱|邮箱|郵箱|e-?mail|地址|邮编|郵編|邮政编码|郵政編碼|"
    r"监督电话|監督電話|举报电话|舉報電話)\s*[：:]",
    re.IGNORECASE,
)
# a number given within a sentence (…咨询电话：0593-7082261。, 八、咨询电话：县人民武装部0739-4650218)
_PHONE = re.compile(
    r"(?:联系电话|聯繫電話|聯絡電話|咨询电话|諮詢電話|咨詢電話|举报电话|舉報電話|监督电话|監督電話)"
    r"[^。]{0,12}?(?:\d{3,4}\s*[-—－]\s*)?\d{7,8}"
)
# what may follow the number in a contact line: its hours (工作日9:00—17:00), 反映, 举报
MAX_AFTER_NUMBER = 6  # characters of Chinese
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
# what names another number after the first (，监督电话：0749-5531615, 县税务局咨询电话：12366)
_NUMBER_WORD = re.compile(
    r"(?:联系|聯繫|聯絡|咨询|諮詢|咨詢|举报|舉報|监督|監督|投诉|投訴)?(?:电话|電話|热线|熱線)"
    r"|邮箱|郵箱|传真|傳真|地址"
)
_CJK_CHAR = re.compile(rf"[{CJK}]")


def is_contact(s: str) -> bool:
    """``s`` is a contact line: it opens on a contact's label (联系电话：…), or gives a phone
    number and little after it (another number, its hours, 反映), not counting what is
    bracketed; not a measure that names its hotline on the way ("四是开通举报电话0751-4431690，
    群众举报假劣种子经查实的，给予最高5000元奖励。", "市教育局设立校服监督电话…，对学校违规指定
    商店的，严肃追究责任。")."""
    if len(s) > MAX_CONTACT_CHARS:
        return False
    if _CONTACT.match(s):
        return True
    number = _PHONE.search(s)
    if number is None:
        return False
    after = _NUMBER_WORD.sub("", _BRACKETED.sub("", s[number.end() :]))
    return len(_CJK_CHAR.findall(after)) <= MAX_AFTER_NUMBER
