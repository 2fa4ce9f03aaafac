import {
  foldToAscii,
  mailNicknameFromEmail,
  mailNicknameFromName,
  upnLocalPartProblem,
} from '../../domain/mail-nickname';

describe('mailNicknameFromName', () => {
  it.each([
    ['Ada', 'Lovelace', 'ada.lovelace'],
    ['Åsa', 'Öberg-Lind', 'asa.oberg-lind'],
    ['Zoë', 'Saldaña', 'zoe.saldana'],
    ['José María', 'García', 'josemaria.garcia'],
    ['Jürgen', 'Großmann', 'jurgen.grossmann'],
    ['Søren', 'Kierkegaard', 'soren.kierkegaard'],
    ['Æsa', 'Dæhlie', 'aesa.daehlie'],
    ['Łukasz', 'Wałęsa', 'lukasz.walesa'],
    ['Đorđe', 'Þórsson', 'dorde.thorsson'],
    ['Kåre', 'Brænne-Ødegård', 'kare.braenne-odegard'],
    ['Çağrı', 'Işık', 'cagri.isik'],
  ])('folds "%s %s" to %s', (first, last, expected) => {
    expect(mailNicknameFromName(first, last)).toBe(expected);
  });

  it("keeps the apostrophe of O'Neil, which Graph allows, and turns a typographic one into it", () => {
    expect(mailNicknameFromName('Siobhan', "O'Neil")).toBe("siobhan.o'neil");
    expect(mailNicknameFromName('Siobhan', 'O\u2019Neil')).toBe("siobhan.o'neil");
  });

  it('removes every character Graph forbids in a mail nickname', () => {
    const nickname = mailNicknameFromName('A@b(c)d\\e[f]g"h;i:j<k>l,m n', 'Smith');
    expect(nickname).toBe('abcdefghijklmn.smith');
    expect(nickname).not.toMatch(/[@()\\[\]";:<>,\s]/);
  });

  it('never produces leading, trailing or double dots', () => {
    expect(mailNicknameFromName('J.', 'Smith')).toBe('j.smith');
    expect(mailNicknameFromName('.Ann.', '.Lee.')).toBe('ann.lee');
    expect(mailNicknameFromName('Mary..Jane', 'Watson')).toBe('mary.jane.watson');
  });

  it('uses the other name alone when one is missing or has no usable characters', () => {
    expect(mailNicknameFromName(null, 'Lovelace')).toBe('lovelace');
    expect(mailNicknameFromName('Ada', null)).toBe('ada');
    expect(mailNicknameFromName('Ада', 'Lovelace')).toBe('lovelace');
  });

  it('gives null when neither name has an ASCII spelling', () => {
    expect(mailNicknameFromName('Иван', 'Петров')).toBeNull();
    expect(mailNicknameFromName('王', '小明')).toBeNull();
    expect(mailNicknameFromName(null, null)).toBeNull();
  });

  it('cuts very long names to 64 characters without ending on a dot', () => {
    const first = 'Maximiliana'.repeat(5); // 55 characters
    const nickname = mailNicknameFromName(first, 'Wolfeschlegelsteinhausenbergerdorff');
    expect(nickname).toHaveLength(64);
    expect(nickname).toBe(`${first.toLowerCase()}.wolfesch`);

    const endsAtDot = mailNicknameFromName('a'.repeat(63), 'Smith');
    expect(endsAtDot).toBe('a'.repeat(63));
  });

  it('produces only printable ASCII', () => {
    expect(mailNicknameFromName('Ｆｕｌｌｗｉｄｔｈ', 'ﬁnn')).toBe('fullwidth.finn');
  });
});

describe('foldToAscii', () => {
  it('strips diacritics and spells out letters NFKD does not decompose', () => {
    expect(foldToAscii('Å Ö é ñ ß æ ø ł œ þ')).toBe('A O e n ss ae o l oe th');
  });
});

describe('mailNicknameFromEmail', () => {
  it('takes the alias of the work email in lower case', () => {
    expect(mailNicknameFromEmail('Ivan.Petrov@contoso.com')).toBe('ivan.petrov');
    expect(mailNicknameFromEmail(null)).toBeNull();
  });
});

describe('upnLocalPartProblem', () => {
  it.each(['ada', 'ada.lovelace', "o'neil", 'a-b_c!d#e^f~g', 'ADA99'])('accepts %s', (alias) => {
    expect(upnLocalPartProblem(alias)).toBeNull();
  });

  it.each([
    ['ada+hr', /contains "\+"/],
    ['ada lovelace', /contains " "/],
    ['åsa', /contains "å"/],
    ['a%b&c', /contains "%", "&"/],
    ['.ada', /starts or ends with a dot/],
    ['ada.', /starts or ends with a dot/],
    ['ada..lovelace', /two dots in a row/],
    ['', /empty/],
    ['a'.repeat(65), /longer than 64/],
  ])('refuses %j and says why', (alias, reason) => {
    expect(upnLocalPartProblem(alias)).toMatch(reason);
  });
});
