"""Given names and family names per community, for sandbox persons.

Kosovo's registries hold Albanian, Serbian, Turkish, Bosniak and Roma/Ashkali/Egyptian names,
with their own letters (ë, ç, č, ć, đ, š, ž, ı, ş, ğ). Test data with only ASCII names hides
encoding bugs, so the lists keep the diacritics.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NamePool:
    """The names one community draws from."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]


def _split(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


NAME_POOLS: dict[str, NamePool] = {
    "albanian": NamePool(
        male=_split(
            "Arben, Arian, Agron, Albin, Ardian, Artan, Astrit, Bajram, Bekim, Besart, Besnik,"
            "Blerim, Burim, Driton, Dritan, Enver, Fatmir, Faton, Fisnik, Flamur, Gëzim, Hysen,"
            "Ilir, Jetmir, Kushtrim, Labinot, Liridon, Lulzim, Mentor, Naim, Petrit, Qëndrim,"
            "Ramadan, Rexhep, Shkëlzen, Skender, Valon, Visar, Xhevdet, Ylber, Zenel, Shpend,"
            "Arbër, Dardan, Leutrim, Egzon, Altin, Bujar, Hajdar, Isa, Nexhmedin, Sylejman"
        ),
        female=_split(
            "Albana, Arbnora, Arta, Besa, Blerta, Donika, Drita, Edona, Elira, Fatime, Flutura,"
            "Gresa, Hana, Kaltrina, Lirie, Lumnije, Mimoza, Njomza, Qëndresa, Rina, Shqipe,"
            "Teuta, Valbona, Vjosa, Xhevrije, Yllka, Zana, Zahide, Hyrije, Shpresa, Majlinda,"
            "Fjolla, Dafina, Ariana, Besiana, Lindita, Mirlinda, Vlora, Ganimete, Hatixhe"
        ),
        family=_split(
            "Krasniqi, Gashi, Berisha, Morina, Shala, Hoxha, Bytyqi, Kastrati, Kryeziu, Rexhepi,"
            "Hasani, Ahmeti, Gjoka, Thaçi, Haradinaj, Sylejmani, Musliu, Zeqiri, Rama, Mustafa,"
            "Bajrami, Osmani, Jashari, Dema, Hyseni, Halili, Ramadani, Beqiri, Gjinovci, Kelmendi,"
            "Kabashi, Maloku, Salihu, Mehmeti, Qerimi, Limani, Hajdari, Sadiku, Avdiu, Zogaj,"
            "Lushtaku, Ibrahimi, Shabani, Llapashtica, Statovci, Bislimi, Kurteshi, Sejdiu, Ademi,"
            "Çitaku, Dërmaku, Hoti, Selmani"
        ),
    ),
    "serbian": NamePool(
        male=_split(
            "Aleksandar, Bojan, Dejan, Dragan, Dušan, Goran, Igor, Ivan, Jovan, Lazar, Marko,"
            "Milan, Miloš, Miodrag, Nemanja, Nenad, Nikola, Novak, Petar, Radomir, Saša,"
            "Slobodan, Srđan, Stefan, Uroš, Vladimir, Vuk, Zoran, Željko, Đorđe"
        ),
        female=_split(
            "Ana, Biljana, Branka, Danijela, Dragana, Gordana, Ivana, Jelena, Jovana, Katarina,"
            "Ljiljana, Marija, Milena, Milica, Mirjana, Nataša, Olivera, Snežana, Sofija,"
            "Svetlana, Tamara, Teodora, Vesna, Zorica, Dušica"
        ),
        family=_split(
            "Jovanović, Petrović, Nikolić, Marković, Đorđević, Stojanović, Ilić, Stanković,"
            "Pavlović, Milošević, Todorović, Simić, Kostić, Lazić, Ristić, Vasić, Denić,"
            "Trajković, Arsić, Milić, Spasić, Mitić, Stevanović, Radić, Perić, Božović, Vuković,"
            "Jakšić, Lukić, Savić, Vučković, Kovačević"
        ),
    ),
    "turkish": NamePool(
        male=_split(
            "Mehmet, Ahmet, Mustafa, Murat, Emre, Erdal, Ferhat, Hakan, Kenan, Orhan, Selim,"
            "Tarık, Yusuf, Zafer, Cem, Burak, Gökhan, Ramiz"
        ),
        female=_split(
            "Ayşe, Fatma, Emine, Elif, Gül, Hatice, Leyla, Melek, Nesrin, Selma, Zeynep, Sevgi,"
            "Derya, Esra, Gülşen"
        ),
        family=_split(
            "Mazrek, Sezer, Çavuş, Bayram, Hoca, Altun, Kazaz, Demir, Aydın, Kahraman, Karadağ,"
            "Bakırcı, Doğan, Şahin"
        ),
    ),
    "bosniak": NamePool(
        male=_split(
            "Admir, Adnan, Almir, Amer, Armin, Edin, Elvir, Emir, Haris, Jasmin, Kenan, Mirza,"
            "Nedim, Nermin, Senad, Sead, Amel, Dino"
        ),
        female=_split(
            "Adna, Aida, Alma, Amela, Amina, Azra, Belma, Edina, Elma, Emina, Lejla, Medina,"
            "Selma, Sabina, Merima, Nermina"
        ),
        family=_split(
            "Kandić, Mehmedović, Hodžić, Ahmetović, Ferizović, Kurtović, Delić, Beganović,"
            "Halilović, Salihović, Memić, Dautović"
        ),
    ),
    "roma": NamePool(
        male=_split(
            "Bajram, Sabit, Zijadin, Ramiz, Muhamet, Fadil, Selami, Nexhat, Avdil, Sevdail,"
            "Bekim, Gazmend, Shaban"
        ),
        female=_split(
            "Sabaheta, Fatime, Shpresa, Hajrije, Nurije, Mevlude, Sanije, Bukurije, Merita,"
            "Elmaze, Sevdije"
        ),
        family=_split(
            "Kurteshi, Mustafa, Demiri, Bajrami, Selimi, Idrizi, Avdiu, Salihu, Durmishi, Gashi,"
            "Berisha, Jakupi"
        ),
    ),
}
