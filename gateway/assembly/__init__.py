"""The municipal assembly and the executive: members, sessions, votes, minutes, the mayor's
decisions and public meetings, published by each municipality's client and read as open data.

``rules`` holds what the law asks (agenda notice, quorum, majority, the mayor's two public
meetings a year) and says which of it is read from the law and which is inferred;
``desk.AssemblyDesk`` publishes (``/v1/assemblies``); ``public_view`` gives the rows of the
``/v1/open/assembly-*`` and ``/v1/open/mayor-meetings`` feeds; ``channel`` plugs it all in.
"""
